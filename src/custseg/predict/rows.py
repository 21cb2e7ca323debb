"""The distinct rows of the count models' inputs, and what the models give per row.

Customers alike in the three numbers the count models read (repeat purchase days, first to
last purchase day, first purchase day to the end) get the same P(alive), expected orders
and discounted orders: the models are fitted and evaluated once per distinct row, then the
values are spread to the customers (the default engine, here) or joined back onto them
(the Spark engine, :mod:`custseg.engines.spark.predict`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from custseg.errors import DataError

if TYPE_CHECKING:
    from custseg.predict.run import PredictSpec


#: The model inputs the count models read; customers alike in them get the same predictions.
COUNT_INPUTS = ("repeat_orders", "t_first_last", "T")


@dataclass
class Distinct:
    """The distinct rows of the count models' inputs (``rows``, sorted, with the customers
    each stands for in ``weights``) and, per customer, the row that is theirs (``index``).

    The count models are fitted and evaluated on these rows, then spread to the customers:
    on whole days the 2M customers of the 10M-row bench file have 398k distinct rows, and
    the prediction (fits, P(alive), expected orders, CLV) took 1.3 s instead of 3.0 s.
    Sorted, so that the fit adds its terms in one order whatever the input's.
    """

    rows: pl.DataFrame
    weights: np.ndarray
    index: np.ndarray

    @classmethod
    def of(cls, history: pl.DataFrame, unit: float) -> Distinct:
        """From purchase histories in whole days (:data:`HISTORY_COLUMNS`, customers in
        the model only), the rows in ``unit`` days. The three counts are packed into one
        integer (21 bits each: 5,700 years of days) and numpy's ``unique`` sorts them:
        0.15 s for 2M customers, against 0.58 s for a Polars group-by and join."""
        keys, index, weights = np.unique(_packed(history), return_inverse=True,
                                         return_counts=True)  # fmt: skip
        return cls(_unpacked(keys, unit), weights.astype(np.float64), index.reshape(-1))

    @classmethod
    def of_counts(cls, counts: pl.DataFrame, unit: float) -> Distinct:
        """From the distinct rows in whole days (``repeat_orders``, ``t_first_last_days``,
        ``T_days``) and the customers each stands for (``customers``), as an engine that
        keeps its customers elsewhere counts them (the Spark engine): the same sorted rows
        as :meth:`of` would give; ``index`` is empty (no customer here to spread to)."""
        keys = _packed(counts)
        order = np.argsort(keys, kind="stable")
        weights = counts["customers"].to_numpy().astype(np.float64)[order]
        return cls(_unpacked(keys[order], unit), weights, np.empty(0, dtype=np.int64))

    def arrays(self) -> tuple[np.ndarray, ...]:
        return tuple(self.rows[name].to_numpy().astype(np.float64) for name in COUNT_INPUTS)

    def spread(self, values: Any) -> np.ndarray:
        """Per-row ``values`` to per-customer ones."""
        return np.asarray(values, dtype=np.float64)[self.index]


def _packed(history: pl.DataFrame) -> np.ndarray:
    """The three counts in days packed into one integer (21 bits each: 5,700 years of
    days), which sorts as the rows do."""
    counts = [history[c].to_numpy().astype(np.int64) for c in DAY_INPUTS]
    if len(counts[0]) and max(int(c.max()) for c in counts) >= 1 << 21:
        raise DataError("more than 2 million repeat purchase days or days of history")
    return (counts[0] << 42) | (counts[1] << 21) | counts[2]


def _unpacked(keys: np.ndarray, unit: float) -> pl.DataFrame:
    """The rows of packed ``keys``, the spans in ``unit`` days."""
    mask = (1 << 21) - 1
    return pl.DataFrame({
        "repeat_orders": (keys >> 42).astype(np.int64),
        "t_first_last": ((keys >> 21) & mask) / unit,
        "T": (keys & mask) / unit,
    })  # fmt: skip


#: The model inputs in whole days, as purchase histories hold them.
DAY_INPUTS = ("repeat_orders", "t_first_last_days", "T_days")


def row_values(model, rows: pl.DataFrame, spec: PredictSpec) -> dict[str, np.ndarray]:
    """Per distinct row of the count model's inputs: ``p_alive``, ``expected_orders``
    over the horizon and ``discounted_orders`` (the expected orders month by month,
    discounted at the annual rate: the CLV of a customer spending 1 per order)."""
    from custseg.models import clv

    horizon = spec.horizon_units
    value = clv(model, 1.0, horizon, unit_days=spec.unit, discount=spec.discount,
                margin=1.0, summary=rows)  # fmt: skip
    return {
        "p_alive": np.asarray(model.p_alive(rows), dtype=np.float64),
        "expected_orders": np.asarray(model.predict(horizon, rows), dtype=np.float64),
        "discounted_orders": np.asarray(value, dtype=np.float64),
    }
