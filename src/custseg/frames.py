"""Conversions between the Polars frames the pipeline uses and the pandas frames of the API.

The core computes on Polars; public functions accept either kind and answer in the
kind they were given. This module is the one place that knows both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    import pandas as pd


def is_polars(frame) -> bool:
    return isinstance(frame, pl.DataFrame)


def from_pandas(frame: pd.DataFrame) -> pl.DataFrame:
    """Polars from pandas; object columns of mixed cells become text (dates as ISO text)."""
    import pandas as pd

    frame = frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = frame[col].map(lambda v: None if pd.isna(v) else str(v)).astype(object)
    return pl.from_pandas(frame)


def to_pandas(frame: pl.DataFrame) -> pd.DataFrame:
    """A pandas copy with the documented dtypes: ids as ``string``, times ``datetime64[ns]``."""
    out = frame.to_pandas()
    for col, dtype in frame.schema.items():
        if dtype == pl.String:
            out[col] = out[col].astype("string")
        elif isinstance(dtype, pl.Datetime):
            out[col] = out[col].astype("datetime64[ns]")
    return out


def with_columns(frame, columns: dict[str, pl.Series]):
    """A copy of ``frame`` (pandas or Polars) with ``columns`` added or replaced.

    A Polars frame is assembled from its columns: ``DataFrame.with_columns`` would copy
    every column into one chunk (a whole copy of a frame fresh from a group-by)."""
    if is_polars(frame):
        new = {name: values.alias(name) for name, values in columns.items()}
        kept = [new.pop(name) if name in new else frame[name] for name in frame.columns]
        return pl.DataFrame([*kept, *new.values()])
    out = frame.copy()
    for name, values in columns.items():
        values = values.to_pandas()
        values = values.astype("string") if values.dtype == object else values
        values.index = out.index
        out[name] = values
    return out


def first_match(cases: list[tuple[pl.Expr, pl.Expr]], otherwise: pl.Expr) -> pl.Expr:
    """The value of the first case whose condition holds, else ``otherwise``
    (``when(c1).then(v1).when(c2).then(v2)...otherwise(...)``)."""
    if not cases:
        return otherwise
    (condition, value), *rest = cases
    chain = pl.when(condition).then(value)
    for condition, value in rest:
        chain = chain.when(condition).then(value)
    return chain.otherwise(otherwise)


def as_series(frame, name: str) -> pl.Series:
    """A column of a pandas or Polars frame as a Polars Series."""
    return to_polars_series(frame[name])


def to_polars_series(values) -> pl.Series:
    """A Polars Series from a Polars or pandas Series (text columns stay text)."""
    if isinstance(values, pl.Series):
        return values
    if str(values.dtype) in ("object", "string", "str"):
        cells = values.astype(object).where(values.notna(), None).tolist()
        return pl.Series(str(values.name), cells, dtype=pl.String, strict=False)
    return pl.from_pandas(values)
