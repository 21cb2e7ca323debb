from __future__ import annotations

import contextlib
import csv
import uuid
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


@contextlib.contextmanager
def pg_sample_schema(url: str, prefix: str):
    """A connection to the PostgreSQL test server (``url``: CUSTSEG_TEST_PG) and a schema of
    this run's own, dropped after, holding the sample orders as text (``sample_text``) and
    typed (``sample``: text ids, timestamp, numeric). The database tests' shared fixture."""
    dbapi = pytest.importorskip("adbc_driver_postgresql.dbapi")
    import pyarrow as pa

    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    conn = dbapi.connect(url)
    cur = conn.cursor()
    cur.execute(f"CREATE SCHEMA {schema}")
    with open(SAMPLE, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    texts = pa.table({name: [r[i] for r in rows[1:]] for i, name in enumerate(rows[0])})
    cur.adbc_ingest("sample_text", texts, mode="create", db_schema_name=schema)
    cur.execute(f"CREATE TABLE {schema}.sample AS SELECT order_id, customer_id, "
                f"order_date::timestamp AS order_date, amount::numeric(12, 2) AS amount "
                f"FROM {schema}.sample_text")  # fmt: skip
    conn.commit()
    try:
        yield conn, schema
    finally:
        cur.execute(f"DROP SCHEMA {schema} CASCADE")
        conn.commit()
        cur.close()
        conn.close()
