from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import settings

# The property tests draw the same examples on every run (CI passes or fails for the code,
# not for the draw); `pytest --hypothesis-profile=explore` draws new ones, to look for more.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_orders.csv"
REAL = ROOT.parent / "shared" / "data" / "real"


def orders_frame(rows: list[tuple]) -> pd.DataFrame:
    """Canonical orders from (customer, order, 'YYYY-MM-DD', amount) tuples."""
    frame = pd.DataFrame(rows, columns=["customer_id", "order_id", "order_date", "amount"])
    frame["customer_id"] = frame["customer_id"].astype("string")
    frame["order_id"] = frame["order_id"].astype("string")
    frame["order_date"] = pd.to_datetime(frame["order_date"], format="ISO8601")
    frame["amount"] = frame["amount"].astype("float64")
    return frame


@pytest.fixture
def write_csv(tmp_path):
    def _write(text: str, name: str = "orders.csv", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return _write
