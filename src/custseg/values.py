"""Parse the values of order columns: ids, amounts and dates (vectorized, Polars).

Each parser takes a Series and returns a Series of the canonical type, with nulls
where the text could not be parsed, so that the caller can count those rows with
a reason. Nothing here drops rows. pandas Series are accepted too (converted).
"""

from __future__ import annotations

import polars as pl

_MISSING_TEXT = ["", "nan", "none", "null", "na", "n/a", "-", "--"]
# Currency marks and words that may surround an amount; thousands separators and spaces.
_AMOUNT_NOISE = r"(?i)[¥￥$€£,\s]|RMB|CNY|USD|元"

#: Date formats tried, in order, on text (after 2019年3月5日 -> 2019/3/5).
DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S%.f",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y%m%d",
)
_MDY = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y")


def as_polars(values) -> pl.Series:
    """A Polars Series from a Polars or pandas Series."""
    if isinstance(values, pl.Series):
        return values
    import pandas as pd

    if isinstance(values.dtype, pd.StringDtype) or values.dtype == object:
        return pl.Series(
            values.name,
            values.astype(object).where(values.notna(), None).tolist(),
            dtype=pl.String if values.dtype != object else None,
            strict=False,
        )
    return pl.from_pandas(values)


def parse_ids(values) -> pl.Series:
    """Canonical string ids: trimmed, ``17850.0`` -> ``17850``, leading zeros kept.

    Empty strings and the usual missing markers (``nan``, ``null``, ``-`` ...) are null.
    """
    s = as_polars(values)
    if s.dtype.is_float():
        whole = (s.round(0) == s).fill_null(False)
        text = pl.select(
            pl.when(whole)
            .then(s.cast(pl.Int64, strict=False).cast(pl.String))
            .otherwise(s.cast(pl.String))
        ).to_series()
        return text.alias(s.name)
    if s.dtype != pl.String:
        s = s.cast(pl.String, strict=False)
    text = s.str.strip_chars()
    # the costly steps run only when some value needs them (most exports need neither)
    if text.str.contains(".", literal=True).any():
        text = text.str.replace(r"^([+-]?\d+)\.0+$", "${1}")
    short = text.str.len_bytes() <= max(len(m) for m in _MISSING_TEXT)
    if short.any():
        missing = short & text.str.to_lowercase().is_in(_MISSING_TEXT)
        text = pl.select(pl.when(missing).then(None).otherwise(text)).to_series()
    return text.alias(s.name)


def parse_amounts(values) -> pl.Series:
    """Float amounts from numbers or text such as ``¥1,234.50``, ``88元``, ``(12.50)``.

    Parentheses mean a negative amount (accounting style). Unparseable text is null.
    """
    s = as_polars(values)
    if s.dtype.is_numeric():
        return s.cast(pl.Float64)
    if s.dtype == pl.Boolean:
        return pl.Series(s.name, [None] * len(s), dtype=pl.Float64)
    if s.dtype != pl.String:
        s = s.cast(pl.String, strict=False)
    text = s.str.strip_chars()
    negative = text.str.starts_with("(") & text.str.ends_with(")")
    number = (
        text.str.replace_all(r"[()]", "")
        .str.replace_all(_AMOUNT_NOISE, "")
        .cast(pl.Float64, strict=False)
    )
    return pl.select(pl.when(negative).then(-number).otherwise(number)).to_series().alias(s.name)


def parse_dates(values, dayfirst: bool = False) -> pl.Series:
    """Timestamps (``Datetime[us]``, naive) from dates or text in common formats.

    Tried in order, each on what is still unparsed: :data:`DATE_FORMATS` (ISO 8601 with
    or without time and fractions of a second, ``YYYY/MM/DD``, ``YYYYMMDD``), then
    ``M/D/YYYY [H:MM[:SS]]`` (``D/M/YYYY`` with ``dayfirst=True``). ``2019年3月5日`` is
    read as ``2019/3/5``. Numbers are ``YYYYMMDD`` or Excel serial days. Else null.
    """
    s = as_polars(values)
    if s.dtype == pl.Datetime or s.dtype == pl.Date:
        out = s.cast(pl.Datetime("us"))
        return out.dt.replace_time_zone(None) if getattr(s.dtype, "time_zone", None) else out
    if s.dtype.is_numeric():
        return _numeric_dates(s)
    if s.dtype == pl.Object or s.dtype != pl.String:
        s = s.cast(pl.String, strict=False)
    text = s.str.strip_chars()
    text = text.str.replace(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?", "${1}/${2}/${3}")
    mdy = tuple(f.replace("%m/%d", "%d/%m") for f in _MDY) if dayfirst else _MDY
    parsed = [
        text.str.to_datetime(fmt, strict=False, time_unit="us", cache=True, exact=True)
        for fmt in DATE_FORMATS + mdy
    ]
    return pl.select(pl.coalesce(parsed)).to_series().alias(s.name)


def _numeric_dates(s: pl.Series) -> pl.Series:
    """Numbers as dates: ``YYYYMMDD`` integers, or Excel serial day numbers (1900 system)."""
    x = s.cast(pl.Float64)
    ymd = x.is_between(10000101, 29991231) & (x % 1 == 0)
    as_ymd = (
        x.cast(pl.Int64, strict=False)
        .cast(pl.String)
        .str.to_datetime("%Y%m%d", strict=False, time_unit="us")
    )
    epoch = pl.datetime(1899, 12, 30, time_unit="us")
    serial = epoch + pl.duration(microseconds=(pl.lit(x) * 86_400_000_000).round(0).cast(pl.Int64))
    return (
        pl.select(
            pl.when(ymd)
            .then(as_ymd)
            .when(pl.lit(x).is_between(1, 2958465))
            .then(serial)
            .otherwise(None)
        )
        .to_series()
        .alias(s.name)
    )
