"""Read back a per-customer file that ``custseg rfm -o`` wrote (``rfm --previous``): any of
its formats (CSV, with or without a BOM, ``--excel-safe`` or not; Parquet, a file or a
folder; ``.xlsx``; JSON; JSON Lines; a tab-separated copy), the columns a comparison needs
typed, the customer ids as text exactly as the run had them.

What ``--excel-safe`` did to a CSV is undone: it puts a ``'`` before text starting with
``= + - @``, a tab or a CR, so a file in which no id (or segment) starts with one of those
but some start with ``'`` and one of those was written with it, and that ``'`` is taken
off. (A file written without it holds the ids as they are.)
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from custseg.errors import ColumnError, DataError, InputFileError

#: The columns a previous export must hold: the id, the segment, the measures and scores.
PREVIOUS_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "segment",
    "recency_days",
    "frequency",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
)
#: Read when present: the previous run's as-of day comes from them.
OPTIONAL_COLUMNS: tuple[str, ...] = ("last_order",)
_WHOLE = ("recency_days", "frequency", "r_score", "f_score", "m_score")
_SUFFIXES = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
_FORMULA = r"^[=+\-@\t\r]"
_SAFE = r"^'[=+\-@\t\r]"


def read_previous(path: str | Path) -> pl.DataFrame:
    """The previous run's customers: :data:`PREVIOUS_COLUMNS` (ids and segments as text,
    measures and scores as numbers) and ``last_order`` when the file has it, one row per
    customer in the file's order.

    Raises
    ------
    InputFileError
        The file is missing or cannot be read in the format its suffix (or content) says.
    ColumnError
        It is not an rfm export: the message names the missing columns.
    DataError
        A measure or score is not a number, or a customer id is missing or repeated.
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError(
            f"{path}: no such file (--previous names the file a previous 'custseg rfm -o' wrote)"
        )
    fmt = "parquet" if path.is_dir() else _SUFFIXES.get(path.suffix.lower()) or _sniff(path)
    try:
        raw = _read(path, fmt)
    except (OSError, pl.exceptions.PolarsError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputFileError(
            f"{path}: cannot read it as {fmt} ({reason}); --previous takes "
            f"a file 'custseg rfm -o' wrote"
        ) from None
    return as_previous(raw, str(path), excel_safe=fmt in ("csv", "tsv"))


def as_previous(frame, source: str = "the previous run", excel_safe: bool = False) -> pl.DataFrame:
    """A previous run's per-customer frame (pandas or Polars: an rfm export read by the
    caller, or ``RfmResult.frame``) as :func:`read_previous` returns it; ``excel_safe``:
    undo what ``--excel-safe`` does to CSV text. Raises ColumnError, DataError."""
    from custseg.frames import from_pandas, is_polars

    raw = frame if is_polars(frame) else from_pandas(frame)
    missing = [c for c in PREVIOUS_COLUMNS if c not in raw.columns]
    if missing:
        raise ColumnError(
            f"{source}: not a custseg rfm export: it lacks the column(s) {', '.join(missing)}; "
            f"pass the file a previous 'custseg rfm -o FILE' wrote (not --ids-only)"
        )
    kept = [c for c in (*PREVIOUS_COLUMNS, *OPTIONAL_COLUMNS) if c in raw.columns]
    out = raw.select(kept).with_columns(pl.col("customer_id", "segment").cast(pl.String))
    return _typed(_unsafe(out) if excel_safe else out, source)


def _sniff(path: Path) -> str:
    """The format of a file whose suffix tells none, from its first bytes."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK"):
        return "xlsx"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"["):
        return "json"
    if text.startswith(b"{"):
        return "jsonl"
    first = text.split(b"\n", 1)[0]
    return "tsv" if first.count(b"\t") > first.count(b",") else "csv"


def _read(path: Path, fmt: str) -> pl.DataFrame:
    if fmt == "parquet":
        return pl.read_parquet(path / "**" / "*.parquet" if path.is_dir() else path)
    if fmt in ("csv", "tsv"):
        return pl.read_csv(path, infer_schema=False, separator="\t" if fmt == "tsv" else ",")
    if fmt == "json":
        return pl.read_json(path, infer_schema_length=None)
    if fmt == "jsonl":
        return pl.read_ndjson(path, infer_schema_length=None)
    import pandas as pd

    from custseg.frames import from_pandas

    # text cells as text (ids keep their zeros), numbers as numbers made text, as in CSV
    return from_pandas(pd.read_excel(path, engine="calamine", dtype=object))


def _unsafe(frame: pl.DataFrame) -> pl.DataFrame:
    """The ``'`` that ``--excel-safe`` put before ids and segments taken off, when the file
    was written with it (see the module docstring)."""
    text = ("customer_id", "segment")
    check = frame.select(
        pl.any_horizontal(pl.col(c).str.contains(_FORMULA).any() for c in text).alias("bare"),
        pl.any_horizontal(pl.col(c).str.contains(_SAFE).any() for c in text).alias("safe"),
    ).row(0, named=True)
    if check["bare"] or not check["safe"]:
        return frame
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(_SAFE)).then(pl.col(c).str.slice(1)).otherwise(pl.col(c))
        for c in text
    )


def _typed(out: pl.DataFrame, path: str) -> pl.DataFrame:
    """Measures and scores as numbers; DataError naming the column and a value that is
    none, or a missing or repeated id."""
    for name in ("recency_days", "frequency", "monetary", "r_score", "f_score", "m_score"):
        values = out[name]
        if not values.dtype.is_numeric():  # text (CSV, a spreadsheet): parsed
            values = values.cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)
        values = values.cast(pl.Float64)
        bad = out.filter(values.is_null() | values.is_nan())[name].head(1)
        if bad.len() or (name in _WHOLE and (values != values.round(0)).any()):
            shown = bad[0] if bad.len() else out.filter(values != values.round(0))[name][0]
            kind = "a whole number" if name in _WHOLE else "a number"
            raise DataError(
                f"{path}: {name} = {shown!r} is not {kind}; --previous takes a "
                f"file 'custseg rfm -o' wrote"
            )
        out = out.with_columns(values.cast(pl.Int64 if name in _WHOLE else pl.Float64))
    if "last_order" in out.columns:
        day = out["last_order"].cast(pl.String).str.slice(0, 10).str.to_date(strict=False)
        out = out.with_columns(day.alias("last_order"))
    if out["customer_id"].null_count():
        raise DataError(f"{path}: a row has no customer_id; an rfm export has one per row")
    repeated = out["customer_id"].is_duplicated()
    if repeated.any():
        first = out.filter(repeated)["customer_id"][0]
        raise DataError(
            f"{path}: customer_id {first!r} appears more than once; an rfm export "
            f"has one row per customer"
        )
    return out
