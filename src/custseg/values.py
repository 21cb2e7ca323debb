"""Parse the values of order columns: ids, amounts and dates, vectorized.

Each parser takes a Series and returns a Series of the canonical type, with
missing values (``<NA>``/``NaN``/``NaT``) where the text could not be parsed, so
that the caller can count those rows with a reason. Nothing here drops rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_ID_FLOAT_SUFFIX = r"^([+-]?\d+)\.0+$"
_MISSING_TEXT = {"", "nan", "none", "null", "na", "n/a", "-", "--"}


def parse_ids(values: pd.Series) -> pd.Series:
    """Canonical string ids: trimmed, ``17850.0`` -> ``17850``, leading zeros kept.

    Empty strings and the usual missing markers become ``<NA>``.
    """
    if pd.api.types.is_float_dtype(values.dtype):
        numbers = values.to_numpy(dtype="float64", na_value=np.nan)
        integral = np.isfinite(numbers) & (np.round(numbers) == numbers)
        text = pd.Series(numbers, index=values.index).astype("string")
        whole = pd.Series(np.where(integral, numbers, 0).astype("int64"), index=values.index)
        return text.where(~integral, whole.astype("string"))
    text = values.astype("string").str.strip()
    text = text.str.replace(_ID_FLOAT_SUFFIX, r"\1", regex=True)
    missing = text.str.lower().isin(_MISSING_TEXT)
    return text.mask(missing.fillna(True))


# Currency marks and words that may surround an amount; thousands separators and spaces.
_AMOUNT_NOISE = r"[¥￥$€£,\s]|RMB|CNY|USD|元"


def parse_amounts(values: pd.Series) -> pd.Series:
    """Float amounts from numbers or text such as ``¥1,234.50``, ``88元``, ``(12.50)``.

    Parentheses mean a negative amount (accounting style). Unparseable text is NaN.
    """
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    text = values.astype("string").str.strip()
    negative = text.str.match(r"^\(.*\)$").fillna(False)
    text = text.str.replace(r"^\((.*)\)$", r"\1", regex=True)
    text = text.str.replace(_AMOUNT_NOISE, "", regex=True, case=False)
    number = pd.to_numeric(text, errors="coerce").astype("float64")
    return number.where(~negative.to_numpy(), -number)


_DATE_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y%m%d")


def parse_dates(values: pd.Series, dayfirst: bool = False) -> pd.Series:
    """Timestamps (``datetime64[ns]``, naive) from dates or text in common formats.

    Tried in order, each on what is still unparsed: ISO 8601 (with or without time
    and fractions of a second), ``YYYY/MM/DD [H:MM[:SS]]``, ``YYYYMMDD``,
    ``2019年3月5日 [H:MM[:SS]]``, and ``M/D/YYYY [H:MM[:SS]]`` (``D/M/YYYY`` with
    ``dayfirst=True``). Anything else is ``NaT``.
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        out = values
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_localize(None)
        return out.astype("datetime64[ns]")
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values):
        return _numeric_dates(values)
    if values.dtype == object:  # mixed cells, e.g. from Excel: dates, numbers and text
        stamps = pd.to_datetime(values.where(values.map(_is_datelike)), errors="coerce")
        rest = values.where(stamps.isna())
        if rest.notna().any():
            stamps = stamps.fillna(parse_dates(rest.astype("string"), dayfirst))
        return stamps.astype("datetime64[ns]")
    text = values.astype("string").str.strip()
    result = pd.to_datetime(text, format="ISO8601", errors="coerce")
    todo = result.isna() & text.notna()
    if todo.any():
        rest = text[todo].str.replace(r"(\d+)年(\d+)月(\d+)日?", r"\1/\2/\3", regex=True)
        for fmt in _DATE_FORMATS:
            if rest.empty:
                break
            parsed = pd.to_datetime(rest, format=fmt, errors="coerce")
            result.loc[parsed.dropna().index] = parsed.dropna()
            rest = rest[parsed.isna()]
        if not rest.empty:
            fmt = "%d/%m/%Y" if dayfirst else "%m/%d/%Y"
            for suffix in (" %H:%M:%S", " %H:%M", ""):
                parsed = pd.to_datetime(rest, format=fmt + suffix, errors="coerce")
                result.loc[parsed.dropna().index] = parsed.dropna()
                rest = rest[parsed.isna()]
    if getattr(result.dt, "tz", None) is not None:
        result = result.dt.tz_convert(None)
    return result.astype("datetime64[ns]")


def _is_datelike(value: object) -> bool:
    import datetime as dt

    return isinstance(value, dt.date | pd.Timestamp | np.datetime64)


def _numeric_dates(values: pd.Series) -> pd.Series:
    """Numbers as dates: ``YYYYMMDD`` integers, or Excel serial day numbers (1900 system)."""
    numbers = values.astype("float64")
    ymd = numbers.between(10000101, 29991231) & (numbers % 1 == 0)
    serial = numbers.between(1, 2958465) & ~ymd
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if ymd.any():
        text = numbers[ymd].astype("int64").astype("string")
        out[ymd] = pd.to_datetime(text, format="%Y%m%d", errors="coerce")
    if serial.any():
        days = pd.to_timedelta(numbers[serial].to_numpy(), unit="D")
        out[serial] = pd.Timestamp("1899-12-30") + days
    return out
