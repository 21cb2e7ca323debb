"""Write per-customer frames and summaries to files, completely or not at all."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import io
import json
import shutil
import sys
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import Literal

import polars as pl

from custseg.errors import OutputError, param
from custseg.frames import from_pandas
from custseg.io.atomic import atomic_path

__all__ = ["atomic_path", "excel_safe", "format_for", "ids_format", "to_stdout", "write_frame",
           "write_ids", "write_json"]  # fmt: skip
from custseg.schema import FORMATS

_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".json": "json",
             ".jsonl": "jsonl", ".ndjson": "jsonl", ".xlsx": "xlsx"}  # fmt: skip
#: Rows per Parquet row group (Polars' default size, made explicit).
PARQUET_ROW_GROUP = 512**2
EXCEL_MAX_ROWS = 1_048_575  # one row of the sheet holds the header
#: Leading characters that make a spreadsheet read a cell as a formula.
FORMULA_START = r"^[=+\-@\t\r]"
_DATETIME = "%Y-%m-%d %H:%M:%S"
#: The characters that make CSV quote a text value (so does an empty text: ``""`` is told
#: apart from a missing value).
_QUOTED = ',"\r\n'


def format_for(path: str, explicit: str | None = None) -> str:
    """The output format: ``explicit`` if given, else from the file suffix."""
    if explicit:
        return explicit
    if path == "-":
        return "csv"
    fmt = _SUFFIXES.get(Path(path).suffix.lower())
    if fmt is None:
        raise OutputError(
            f"{path}: cannot tell the output format from the suffix; "
            f"use .csv, .parquet, .json, .jsonl or .xlsx, or pass {param('format')}"
        )
    return fmt


def ids_format(path: str, explicit: str | None = None) -> str:
    """The format of an ``--ids-only`` file: ``explicit`` if given, else the suffix's
    (``.xlsx``, ``.parquet``, ...), else ``csv``: one id per line, as for ``ids.txt``."""
    if explicit:
        return explicit
    return _SUFFIXES.get(Path(path).suffix.lower(), "csv") if path != "-" else "csv"


def excel_safe(frame):
    """Text cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab,
    CR first) get a leading ``'``, so they show as text (``--excel-safe``)."""
    schema = frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema
    text = [name for name, dtype in schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_START))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in text
    )


def write_ids(ids: pl.Series, path: str, fmt: str = "csv", bom: bool = False,
              safe: bool = False) -> None:  # fmt: skip
    """Write the customer ids (``--ids-only``) to ``path`` (``-`` is stdout), atomically.

    In CSV (and text: :func:`ids_format`) one id per line, no header, after a UTF-8 BOM
    with ``bom``; an id holding a comma or a line break, or starting with a quote, is
    quoted as CSV does (``"a,b"``: :func:`_quoted_ids`), so that a CSV reader reads it
    back as one id; every other id is written as it is. In the other formats a
    one-column table ``customer_id``, as :func:`write_frame` writes it. With ``safe``
    (``--excel-safe``), CSV ids that a spreadsheet would run as a formula get a leading
    ``'`` (:func:`excel_safe`)."""
    frame = pl.DataFrame({"customer_id": ids})
    if fmt != "csv":
        write_frame(frame, path, fmt)
        return
    frame = _quoted_ids(excel_safe(frame) if safe else frame)
    if path == "-":
        text = frame.write_csv(include_header=False, quote_style="never", include_bom=bom)
        to_stdout(text.encode("utf-8"))
        return
    with atomic_path(path) as tmp:
        frame.write_csv(tmp, include_header=False, quote_style="never", include_bom=bom)


def _quoted_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """Ids holding a comma or a line break, or starting with a quote, in quotes as CSV
    writes them (``"a,b"``, a quote doubled); the others as they are (a quote inside an
    id, as in ``=HYPERLINK("x")``, needs none: CSV readers take it literally)."""
    text = pl.col("customer_id").cast(pl.String)
    special = text.str.contains_any([",", "\n", "\r"]) | text.str.starts_with('"')
    quoted = pl.lit('"') + text.str.replace_all('"', '""', literal=True) + pl.lit('"')
    return frame.select(pl.when(special).then(quoted).otherwise(text).alias("customer_id"))


def to_stdout(data: bytes) -> None:
    """Write ``data`` (UTF-8, as the files are) to stdout as bytes, whatever the console's
    encoding: a ``--bom`` then reaches a redirected file as ``EF BB BF``.

    Raises OutputError when stdout is closed, full or a broken pipe."""
    try:
        sys.stdout.flush()
        out = getattr(sys.stdout, "buffer", None)
        if out is None:  # a text-only stream (an embedding application's)
            sys.stdout.write(data.decode("utf-8"))
            sys.stdout.flush()
            return
        out.write(data)
        out.flush()
    except (OSError, AttributeError) as exc:  # AttributeError: stdout closed (None)
        raise OutputError(f"cannot write to stdout ({_reason(exc)})") from None


def _reason(exc: BaseException) -> str:
    """Why a write failed, in a few words."""
    if isinstance(exc, AttributeError):
        return "it is closed"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def write_frame(frame, path: str, fmt: str, plain_text: Collection[str] = (),
                bom: bool = False) -> None:  # fmt: skip
    """Write ``frame`` (Polars or pandas) to ``path`` (``-`` is stdout) in ``fmt``, atomically;
    a CSV starts with a UTF-8 BOM (``EF BB BF``) when ``bom`` is set (Excel on Windows
    then reads it as UTF-8), and the other formats ignore ``bom``.

    In CSV, when no text value needs quotes (:func:`needs_quotes`, one pass over each text
    column), Polars' writer is told so and skips looking at every value (a third of its
    time). ``plain_text`` names columns the caller knows to hold no such value (codes it
    made), which are not looked at (each look costs ~35 ms per 2M values; see
    :meth:`custseg.engines.run.RfmResult.plain_text`). The file is the same either way."""
    if not isinstance(frame, pl.DataFrame):
        frame = from_pandas(frame)
    if fmt == "xlsx" and frame.height > EXCEL_MAX_ROWS:
        raise OutputError(
            f"{path}: {frame.height:,} rows do not fit an Excel sheet "
            f"({EXCEL_MAX_ROWS:,} at most); write .csv or .parquet instead"
        )
    if path == "-":
        if fmt in ("parquet", "xlsx"):
            raise OutputError(f"{fmt} cannot be written to stdout; give a file name with -o")
        buffer = io.BytesIO()
        _write(frame, buffer, fmt, plain_text, bom)
        to_stdout(buffer.getvalue())
        return
    with atomic_path(path) as tmp:
        try:
            _write(frame, tmp, fmt, plain_text, bom)
        except pl.exceptions.PolarsError as exc:  # a full disk, as Polars reports it
            raise OutputError(f"{path}: cannot write ({_reason(exc)})") from None


def write_json(data: dict, path: str) -> None:
    """Write ``data`` as JSON to ``path`` (``-`` is stdout), atomically."""
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if path == "-":
        to_stdout(text.encode("utf-8"))
        return
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)


def needs_quotes(text: str) -> bool:
    """Whether CSV writes ``text`` in quotes: it is empty, or holds a comma, a quote or a
    line break."""
    return not text or any(c in text for c in _QUOTED)


def _write(frame: pl.DataFrame, target, fmt: str, plain_text: Collection[str] = (),
           bom: bool = False) -> None:  # fmt: skip
    # text formats go through a lazy plan: an eager with_columns would first copy every
    # column of the frame into one chunk
    text = days_when_no_times(frame.lazy()) if fmt in ("csv", "json", "jsonl") else None
    if fmt == "parquet":
        # fixed row groups: the file's bytes then do not depend on how the frame's columns
        # happen to be chunked (which follows how the work was split, and the threads)
        frame.write_parquet(target, row_group_size=PARQUET_ROW_GROUP)
    elif fmt == "csv":
        quotes: Literal["necessary", "never"] = (
            "necessary" if _some_quoted(frame, plain_text) else "never"
        )
        _dates_as_text(text).sink_csv(target, datetime_format=_DATETIME, quote_style=quotes,
                                      include_bom=bom)  # fmt: skip
    elif fmt == "jsonl":
        _text_times(text).sink_ndjson(target)
    elif fmt == "json":
        _text_times(text).collect().write_json(target)
    elif fmt == "xlsx":
        _write_xlsx(frame, target)
    else:
        raise OutputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def days_when_no_times(frame):
    """Datetime columns whose values are all at midnight (orders dated by the day) as
    dates, so that text shows ``2025-03-01`` rather than ``2025-03-01 00:00:00``.

    Takes and returns a Polars DataFrame or LazyFrame (then read once to check)."""
    schema = frame.collect_schema()
    names = [n for n, t in schema.items() if isinstance(t, pl.Datetime)]
    if not names:
        return frame
    day = {"ns": 86_400 * 10**9, "us": 86_400 * 10**6, "ms": 86_400 * 10**3}
    check = frame.select((pl.col(n).to_physical() % day[schema[n].time_unit] == 0).all()
                         for n in names)  # fmt: skip
    flags = (check.collect() if isinstance(check, pl.LazyFrame) else check).row(0)
    midnight = [n for n, flag in zip(names, flags, strict=True) if flag]
    return frame.with_columns(pl.col(midnight).cast(pl.Date)) if midnight else frame


def _some_quoted(frame: pl.DataFrame, plain_text: Collection[str] = ()) -> bool:
    """Whether a value of a text column of ``frame`` not in ``plain_text`` needs quotes in
    CSV (:func:`needs_quotes`); dates and numbers never do."""
    names = []
    for name, dtype in frame.schema.items():
        if name in plain_text or dtype.is_numeric() or dtype.is_temporal() or dtype == pl.Boolean:
            continue
        if dtype != pl.String:
            return True  # a type not looked into here: the writer looks
        names.append(name)
    if not names or frame.is_empty():
        return False
    # one Aho-Corasick pass per column (faster than a regex character class)
    quoted = ((pl.col(n).str.contains_any(list(_QUOTED)) | (pl.col(n) == "")).any() for n in names)
    return any(frame.lazy().select(quoted).collect().row(0))


def _dates_as_text(plan: pl.LazyFrame, widest: int = 100_000) -> pl.LazyFrame:
    """Date columns as ``YYYY-MM-DD`` text, each day formatted once and looked up (2M
    customers' dates: 0.08 s faster to write than formatting every value). Columns spanning
    more than ``widest`` days are left to the writer."""
    schema = plan.collect_schema()
    names = [n for n, t in schema.items() if t == pl.Date]
    if not names:
        return plan
    days = [pl.col(n).to_physical() for n in names]
    span = plan.select(pl.min_horizontal(d.min() for d in days).alias("lo"),
                       pl.max_horizontal(d.max() for d in days).alias("hi")).collect()  # fmt: skip
    lo, hi = span.row(0)
    if lo is None or hi - lo > widest:
        return plan
    epoch = dt.date(1970, 1, 1)
    table = pl.date_range(epoch + dt.timedelta(days=lo), epoch + dt.timedelta(days=hi),
                          eager=True).dt.strftime("%Y-%m-%d")  # fmt: skip
    return plan.with_columns(
        pl.lit(table).gather(d - lo).alias(n) for n, d in zip(names, days, strict=True)
    )


def _text_times(frame: pl.DataFrame) -> pl.DataFrame:
    """Datetimes as ISO text for JSON, so that every consumer reads them the same way."""
    return frame.with_columns(pl.col(pl.Datetime).dt.strftime("%Y-%m-%dT%H:%M:%S"))


def _write_xlsx(frame: pl.DataFrame, path: str) -> None:
    """A real workbook: text cells as text (ids keep their zeros, and nothing that looks
    like a formula ever runs), numbers as numbers, times as Excel dates.

    XlsxWriter keeps its rows and parts in scratch files: they go to a folder of their own
    (beside ``path``, named like it plus ``.d``, so that the next run removes what a killed
    one left: :mod:`custseg.io.atomic`), removed when done, failed or not. A failed write
    raises OutputError.
    """
    import xlsxwriter
    from xlsxwriter.exceptions import XlsxWriterException

    scratch = _scratch_folder(path)
    try:
        with open(path, "wb") as raw:
            sink = _Guarded(raw)
            try:
                book = xlsxwriter.Workbook(sink, {"constant_memory": True, "tmpdir": scratch,
                                                  "strings_to_formulas": False,
                                                  "strings_to_numbers": False,
                                                  "strings_to_urls": False})  # fmt: skip
                _fill_sheet(book, frame)
                book.close()
            except BaseException:
                sink.failed = True  # the archive left open must not write when collected
                raise
    except XlsxWriterException as exc:  # what it wraps: an OSError, for atomic_path to name
        cause = exc.__context__
        code = cause.errno if isinstance(cause, OSError) and cause.errno else errno.EIO
        raise OSError(code, _reason(cause or exc)) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _scratch_folder(path: str) -> str:
    """A new folder for the spreadsheet writer's scratch files: ``PATH.d`` beside a
    temporary ``path``, else (a device) one in the system's temporary folder."""
    with contextlib.suppress(OSError):
        folder = f"{path}.d"
        Path(folder).mkdir(mode=0o700)  # scratch rows: the owner's only
        return folder
    return tempfile.mkdtemp(prefix=".custseg-tmp-xlsx-")


class _Guarded:
    """A binary file that, once a call failed, lets every later call pass without doing
    anything: the zip archive left open by a failed workbook would otherwise fail again
    when it is collected, and print that as an "Exception ignored" traceback."""

    def __init__(self, raw) -> None:
        self._raw = raw
        self.failed = False

    def __getattr__(self, name: str):
        attr = getattr(self._raw, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            if self.failed:
                return 0
            try:
                return attr(*args, **kwargs)
            except (OSError, ValueError):
                self.failed = True
                raise

        return call


def _fill_sheet(book, frame: pl.DataFrame) -> None:
    """The sheet ``customers`` of ``book``: the header in bold, frozen, then the rows.

    XlsxWriter's API takes one cell at a time, so this is a loop over cells; a sheet holds
    at most about a million rows, which bounds it."""
    sheet = book.add_worksheet("customers")
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    sheet.write_row(0, 0, frame.columns, book.add_format({"bold": True}))
    kinds = [_cell_kind(dtype) for dtype in frame.dtypes]
    for r, row in enumerate(frame.iter_rows(), start=1):
        for c, (value, kind) in enumerate(zip(row, kinds, strict=True)):
            if value is None:
                continue
            if kind == "text":
                sheet.write_string(r, c, str(value))
            elif kind == "time":
                sheet.write_datetime(r, c, value, stamp)
            else:
                sheet.write_number(r, c, value)
    sheet.freeze_panes(1, 0)


def _cell_kind(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Datetime) or dtype == pl.Date:
        return "time"
    return "number" if dtype.is_numeric() else "text"
