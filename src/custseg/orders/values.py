"""Parse the values of order columns: ids, amounts and dates, as Polars expressions.

The ``*_expr`` builders return expressions the loader evaluates together in one
parallel pass; ``parse_*`` apply them to a single Series (pandas accepted). Each
gives nulls where a value cannot be parsed, so the caller can count those rows
with a reason. Nothing here drops rows.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from custseg.frames import to_polars_series

MISSING_TEXT = ("", "nan", "none", "null", "na", "n/a", "-", "--")
# Currency marks and words that may surround an amount, spaces (no-break ones included).
_AMOUNT_NOISE = r"(?i)[¥$€£()\s\u00a0\u202f'=\"]|RMB|CNY|USD|EUR|元"
#: A number once the noise is gone, by decimal mark: thousands groups only where they belong.
_NUMBER = {
    ".": r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^[+-]?\.\d+$",
    ",": r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$|^[+-]?,\d+$",
}
#: Full-width (and ideographic) forms of what numbers and dates are written with.
_WIDE = [chr(0xFF10 + i) for i in range(10)] + list("．，－＋：／　（）￥")
_NARROW = [str(i) for i in range(10)] + list(".,-+:/ ()¥")
#: A UTC offset after a time of day (``07:59:00+08:00``, ``21:30:00 -0400``, ``10:00Z``).
_OFFSET = r"(\d:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:([Zz]|UTC|GMT)|([+-])(\d{2}):?(\d{2})?)$"

#: Date formats tried on text, in order (after ``2019年3月5日`` -> ``2019/3/5``).
DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S%.f",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y.%m.%d %H:%M:%S%.f",
    "%Y.%m.%d",
    "%Y%m%d",
    "%d.%m.%Y %H:%M:%S",  # 5.3.2019: day first wherever dots are written
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%b %d, %Y %H:%M:%S",  # Mar 5, 2024
    "%b %d, %Y %H:%M",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d %b %Y %H:%M:%S",  # 5 Mar 2024
    "%d %b %Y",
)  # a UTC offset after the time is read apart (see :func:`date_expr`)
#: Month first (``3/5/2019`` is 5 March); day first with ``dayfirst`` (see :func:`day_first`).
_MDY = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
        "%m-%d-%Y %H:%M:%S", "%m-%d-%Y %H:%M", "%m-%d-%Y")  # fmt: skip
_DMY = tuple(f.replace("%m", "%D").replace("%d", "%m").replace("%D", "%d") for f in _MDY)


def id_expr(name: str, dtype: pl.DataType, sample: pl.Series | None = None) -> pl.Expr:
    """Canonical string ids: trimmed, ``17850.0`` -> ``17850``, leading zeros kept;
    empty strings and missing markers (``nan``, ``null``, ``-`` ...) become null.

    ``sample`` (the column, if at hand) lets the costly steps be skipped when no
    value needs them.
    """
    col = pl.col(name)
    if dtype.is_float():
        whole = col.round(0) == col
        return (
            pl.when(whole)
            .then(col.cast(pl.Int64, strict=False).cast(pl.String))
            .otherwise(col.cast(pl.String))
            .alias(name)
        )
    if dtype != pl.String:
        return col.cast(pl.String, strict=False).alias(name)
    longest = max(len(m) for m in MISSING_TEXT)
    has_dot = has_short = has_space = wrapped = True
    if sample is not None:  # one streamed pass over the column
        has_dot, has_short, has_space, wrapped = _id_traits(sample, longest)
    text = col.str.strip_chars() if has_space else col
    if wrapped:  # Excel's text guards: ="3512350000000000000", '007
        text = text.str.replace(r'^="(.*)"$', "${1}").str.replace(r"^'", "")
    if has_dot:
        text = text.str.replace(r"^([+-]?\d+)\.0+$", "${1}")
    if has_short:
        missing = (text.str.len_bytes() <= longest) & text.str.to_lowercase().is_in(MISSING_TEXT)
        text = pl.when(missing).then(None).otherwise(text)
    return text.alias(name)


def _id_traits(ids: pl.Series, longest: int) -> tuple[bool, bool, bool, bool]:
    """Whether some id has a dot, could be a missing marker of up to ``longest`` bytes
    once trimmed, may have space to trim, and starts with ``=`` or ``'`` (Excel's text
    guards), so that clean columns skip those steps: a trimmed copy is a new column.

    An id whose first and last bytes are printable ASCII has nothing to trim (every
    space, ASCII or not, starts or ends outside that range); ids that do not all look
    like that are taken to need trimming, and to have short values when trimmed.
    """
    v = pl.col("v")
    raw = v.cast(pl.Binary)
    first, last = (raw.bin.get(i, null_on_oob=True) for i in (0, -1))
    dot, short, plain, guarded = (
        ids.to_frame("v")
        .lazy()
        .with_columns(first=first)  # the first byte, read once for two traits
        .select(
            dot=raw.bin.contains(b".").any(),  # faster than str.contains
            short=(v.str.len_bytes() <= longest).any(),
            # an empty id: nothing to trim
            plain=(pl.col("first").is_between(0x21, 0x7E) & last.is_between(0x21, 0x7E))
            .fill_null(True)
            .all(),
            guarded=((pl.col("first") == 0x3D) | (pl.col("first") == 0x27)).any(),  # = or '
        )
        .collect(engine="streaming")
        .row(0)
    )
    return dot, short or not plain, not plain, bool(guarded) or not plain


def amount_expr(name: str, dtype: pl.DataType, decimal: str = ".") -> pl.Expr:
    """Float amounts from numbers or text such as ``¥1,234.50``, ``88元``, ``(12.50)``,
    ``２６８．００``; with ``decimal=","``: ``1.058,00``, ``36,90``, ``1 234,50``.

    Full-width forms are read as ASCII; parentheses mean a negative amount (accounting
    style). Thousands separators are accepted only in groups of three before the decimal
    mark: ``36,90`` is unparseable (null) when the mark is ``.``, never 3690.
    """
    col = pl.col(name)
    if dtype.is_numeric():
        return col.cast(pl.Float64).alias(name)
    if dtype == pl.Boolean:
        return pl.lit(None, pl.Float64).alias(name)
    text = col.cast(pl.String, strict=False).str.replace_many(_WIDE, _NARROW).str.strip_chars()
    negative = text.str.starts_with("(") & text.str.ends_with(")")
    bare = text.str.replace_all(_AMOUNT_NOISE, "")
    if decimal == ".":
        plain = bare.str.replace_all(",", "")
    else:
        plain = bare.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    number = pl.when(bare.str.contains(_NUMBER[decimal])).then(plain.cast(pl.Float64, strict=False))
    return pl.when(negative).then(-number).otherwise(number).alias(name)


def decimal_marks(texts: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Counts of text amounts whose last mark is a comma followed by one or two digits
    (``36,90``, ``1.058,00``: a decimal comma) and of those whose last mark is a dot
    followed by one or two digits (``36.90``, ``1,058.00``)."""
    text = texts.cast(pl.String).str.replace_many(_WIDE, _NARROW)
    text = text.str.replace_all(_AMOUNT_NOISE, "")
    comma = text.str.contains(r"\d,\d{1,2}$").sum()
    dot = text.str.contains(r"\d\.\d{1,2}$").sum()
    return comma, dot


def date_expr(name: str, dtype: pl.DataType, dayfirst: bool = False,
              sample: pl.Series | None = None, tz: str | None = None) -> pl.Expr:  # fmt: skip
    """Timestamps (``Datetime[us]``, naive) from dates or text in common formats.

    Text is tried against :data:`DATE_FORMATS` (ISO 8601 with or without time and fractions
    of a second, ``YYYY/MM/DD``, ``YYYY.MM.DD``, ``YYYYMMDD``, ``D.M.YYYY``), then
    ``M/D/YYYY [H:MM[:SS]]`` and ``M-D-YYYY ...`` (``D/M/YYYY``, ``D-M-YYYY`` with
    ``dayfirst``: see :func:`day_first`); ``2019年3月5日`` reads as ``2019/3/5`` and
    full-width digits as ASCII. With a ``sample`` of the column, only the formats that
    parse some of its first values are tried first, and the rest only for what they leave
    unparsed. Numbers are ``YYYYMMDD`` or Excel serial days (1900 system). Anything else
    is null.

    Time zones: a UTC offset after the time (``2024-02-29T07:59:00+08:00``, ``21:30:00
    -0400``, ``Z``) is dropped and the shop's wall-clock time kept, unless ``tz`` names a
    zone (``Asia/Shanghai``): then times with an offset are converted to that zone's wall
    clock and times without one are taken as already in it. Zoned timestamps (Parquet)
    likewise keep their own wall clock, or are converted to ``tz``.
    """
    col = pl.col(name)
    if isinstance(dtype, pl.Datetime):
        out = col
        if dtype.time_zone:
            out = out.dt.convert_time_zone(tz) if tz else out
            out = out.dt.replace_time_zone(None)
        return out.cast(pl.Datetime("us")).alias(name)
    if dtype == pl.Date:
        return col.cast(pl.Datetime("us")).alias(name)
    if dtype.is_numeric():
        return _numeric_dates(col.cast(pl.Float64)).alias(name)
    text = col.cast(pl.String, strict=False).str.replace_many(_WIDE, _NARROW).str.strip_chars()
    text = text.str.replace(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?", "${1}/${2}/${3}")
    text = text.str.replace(r'^="(.*)"$', "${1}").str.replace(r"^'", "")  # Excel text guards
    local = text.str.replace(_OFFSET, "${1}")
    formats = _date_formats(dayfirst)
    if sample is not None:
        formats = _likely_first(formats, sample)
    wall = pl.coalesce([_to_datetime(local, f) for f in formats])
    return (_to_zone(wall, text, tz) if tz else wall).alias(name)


def _to_zone(wall: pl.Expr, text: pl.Expr, tz: str) -> pl.Expr:
    """``wall`` (the time as written) in zone ``tz``: times written with a UTC offset
    converted, the others kept (taken as written in ``tz``)."""
    parts = text.str.extract_groups(_OFFSET)
    sign = pl.when(parts.struct[2] == "-").then(-1).otherwise(1)
    minutes = parts.struct[3].cast(pl.Int64) * 60 + parts.struct[4].fill_null("0").cast(pl.Int64)
    offset = pl.when(parts.struct[1].is_not_null()).then(0).otherwise(sign * minutes)
    utc = (wall - pl.duration(minutes=offset)).dt.replace_time_zone("UTC")
    converted = utc.dt.convert_time_zone(tz).dt.replace_time_zone(None)
    return pl.when(parts.struct[0].is_not_null()).then(converted).otherwise(wall)


def date_fast_expr(name: str, dtype: pl.DataType, dayfirst: bool = False,
                   sample: pl.Series | None = None, tz: str | None = None) -> pl.Expr:  # fmt: skip
    """Text dates in the one format that parses the sample's first values (text not
    trimmed): the fast first pass of :func:`complete` (a date it cannot read, with an
    offset for instance, is left to the careful parse). Other columns get
    :func:`date_expr`.
    """
    if dtype != pl.String or sample is None:
        return date_expr(name, dtype, dayfirst, sample, tz)
    likely = _likely_first(_date_formats(dayfirst), sample, hits_only=True)
    if not likely:
        return date_expr(name, dtype, dayfirst, sample, tz)
    return _to_datetime(pl.col(name), likely[0])


def day_first(column: pl.Series, dayfirst: bool | None = None) -> bool:
    """Whether the dates of a text column written with the year last (``5/3/2019``,
    ``05-03-2019``) are day first: ``dayfirst`` when it is given, else
    :func:`day_first_over` the whole column."""
    if dayfirst is not None:
        return dayfirst
    if column.dtype != pl.String:
        return False
    return day_first_over(column, column.to_frame().lazy())


def day_first_over(head: pl.Series, dates: pl.LazyFrame) -> bool:
    """Whether more of the text dates in ``dates`` (a frame of that one column: all the
    input's rows, in every part) read day first than month first, in the shapes the first
    values (``head``, in input order) have. A column that reads as well either way (every
    day up to 12) reads month first."""
    if head.dtype != pl.String:
        return False
    hits = _likely_first(_MDY + _DMY, head, hits_only=True)
    shapes = sorted({(_MDY + _DMY).index(f) % len(_MDY) for f in hits})  # either order
    if not shapes:  # no such dates among the first values
        return False
    d = pl.col(dates.collect_schema().names()[0])
    both = dates.select(  # counts only: streamed, no parsed columns
        month=pl.coalesce([_to_datetime(d, _MDY[i]) for i in shapes]).count(),
        day=pl.coalesce([_to_datetime(d, _DMY[i]) for i in shapes]).count(),
    )
    read_month, read_day = both.collect(engine="streaming").row(0)
    return read_day > read_month


def _to_datetime(text: pl.Expr, fmt: str) -> pl.Expr:
    """Naive timestamps from text in ``fmt``."""
    return text.str.to_datetime(fmt, strict=False, time_unit="us", exact=True)


def amount_fast_expr(name: str, dtype: pl.DataType, decimal: str = ".") -> pl.Expr:
    """Text amounts read as plain numbers: the fast first pass of :func:`complete` (with
    a decimal comma, where ``1.058`` is a thousand and fifty-eight, the careful parse)."""
    if dtype != pl.String or decimal != ".":
        return amount_expr(name, dtype, decimal)
    return pl.col(name).cast(pl.Float64, strict=False)


def complete(fast: pl.Series, raw: pl.Series, careful: Callable[[pl.Series], pl.Series]):
    """``fast`` (values parsed the quick way) with each null whose ``raw`` text is present
    replaced by ``careful`` applied to that text.

    A value the quick way parses is one the careful way parses the same, so only the
    rows it missed (few, in a clean file) pay for the careful parse.
    """
    if raw.dtype != pl.String:
        return fast
    retry = (fast.is_null() & raw.is_not_null()).arg_true()
    if retry.is_empty():
        return fast
    return fast.scatter(retry, careful(raw.gather(retry)))


def _date_formats(dayfirst: bool) -> tuple[str, ...]:
    return DATE_FORMATS + (_DMY if dayfirst else _MDY)


def _likely_first(formats: tuple[str, ...], sample: pl.Series,
                  hits_only: bool = False) -> tuple[str, ...]:  # fmt: skip
    """Formats that parse values of the sample first (then the others, unless
    ``hits_only``), the one that parses most of them leading."""
    head = sample.drop_nulls().head(500).cast(pl.String).str.strip_chars().to_frame("v")
    counts = head.lazy().select(  # one parallel pass for all formats
        pl.col("v").str.to_datetime(f, strict=False, exact=True).count().alias(str(i))
        for i, f in enumerate(formats)
    )
    parsed = dict(zip(formats, counts.collect().row(0), strict=True))
    hits = sorted((f for f in formats if parsed[f]), key=lambda f: -parsed[f])
    return tuple(hits) + (() if hits_only else tuple(f for f in formats if f not in hits))


def _numeric_dates(x: pl.Expr) -> pl.Expr:
    """Numbers as dates: ``YYYYMMDD`` integers, or Excel serial day numbers (1900 system)."""
    ymd = x.is_between(10000101, 29991231) & (x % 1 == 0)
    as_ymd = (
        x.cast(pl.Int64, strict=False)
        .cast(pl.String)
        .str.to_datetime("%Y%m%d", strict=False, time_unit="us")
    )
    epoch = pl.datetime(1899, 12, 30, time_unit="us")
    serial = epoch + pl.duration(microseconds=(x * 86_400_000_000).round(0).cast(pl.Int64))
    return pl.when(ymd).then(as_ymd).when(x.is_between(1, 2958465)).then(serial).otherwise(None)


def _apply(values, build) -> pl.Series:
    s = to_polars_series(values)
    name = s.name or "value"
    return pl.DataFrame([s.alias(name)]).select(build(name, s)).to_series()


def parse_ids(values) -> pl.Series:
    """:func:`id_expr` on one Series."""
    return _apply(values, lambda n, s: id_expr(n, s.dtype, s))


def parse_amounts(values, decimal: str = ".") -> pl.Series:
    """:func:`amount_expr` on one Series."""
    return _apply(values, lambda n, s: amount_expr(n, s.dtype, decimal))


def parse_dates(values, dayfirst: bool | None = None, tz: str | None = None) -> pl.Series:
    """:func:`date_expr` on one Series; ``dayfirst=None`` decides it from the values
    (:func:`day_first`)."""
    return _apply(values, lambda n, s: date_expr(n, s.dtype, day_first(s, dayfirst), s, tz))
