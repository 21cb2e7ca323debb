"""Why a row is not used: the reasons, their order, and the lists behind them.

Every input row gets the first reason that applies, or none (used):

=====================  =====================================================
reason                 when
=====================  =====================================================
malformed line         the line has more fields than the header (then every
                       line whose field count differs is malformed); in a
                       file with no over-long line, a short line reads as
                       empty trailing fields (and so "missing ...")
missing customer       the customer id is empty
placeholder customer   the customer id stands for no customer: a guest
                       (``0``, ``-1``, ``guest``, ``匿名``: the platform
                       tables list them) or a fully masked id (``***``);
                       ``--keep-placeholder-ids`` keeps them
not paid               a status says unpaid, pending, failed or voided
                       (``待付款``, ``pending``, ``voided``: see
                       :mod:`custseg.orders.statuses`)
cancelled              a status says cancelled, closed or refunded in full, a
                       refunded amount covers the whole amount, or the invoice
                       number is a UCI-style cancellation (``C536379``)
missing date           the date is empty (e.g. an unpaid Tmall order)
unparseable date       the date is not in a known format
missing amount         the amount is empty
unparseable amount     the amount is not a number (or its decimal mark is not
                       the file's)
duplicate row          an exact copy of an earlier row (``--keep-duplicates``)
return dropped         a negative amount with ``--returns drop``
after as-of            dated after the as-of date
returns only           a customer with returns but no purchase
=====================  =====================================================
"""

from __future__ import annotations

import polars as pl

from custseg.errors import DataError, param
from custseg.frames import first_match

REASONS: tuple[str, ...] = (
    "malformed line",
    "missing customer",
    "placeholder customer",
    "not paid",
    "cancelled",
    "missing date",
    "unparseable date",
    "missing amount",
    "unparseable amount",
    "duplicate row",
    "return dropped",
    "after as-of",
    "returns only",
)
UNPARSEABLE = ("malformed line", "unparseable date", "unparseable amount")


def cancelled_invoice_expr(order: pl.Expr, convention: bool) -> pl.Expr:
    """True where an order id is a UCI-style cancellation (``C`` + digits), when the input
    follows that convention (:func:`uci_cancellations`)."""
    if not convention:
        return pl.lit(False)
    return order.str.contains(r"^[Cc]\d+$").fill_null(False)


def uci_digit_share(ids: pl.LazyFrame) -> float:
    """The share of the order ids in ``ids`` (one column) that are digits once trimmed."""
    text = pl.col(ids.collect_schema().names()[0]).cast(pl.String).str.strip_chars()
    share = ids.select(text.str.contains(r"^\d+$").mean()).collect(engine="streaming").item()
    return float(share or 0.0)


def duplicate_rows(frame: pl.DataFrame) -> pl.Series:
    """True for exact copies of an earlier row."""
    return ~frame.select(pl.struct(pl.all()).is_first_distinct()).to_series()


def blank_where(raw: pl.Series, candidates: pl.Series) -> pl.Series:
    """True where a raw cell is empty (null, or text of only spaces); the text is looked
    at only in ``candidates`` rows (those whose value did not parse: a cell that parsed
    is not empty)."""
    blank = raw.is_null()
    if raw.dtype != pl.String:
        return blank
    rows = (candidates & ~blank).arg_true()
    if rows.is_empty():
        return blank
    empty = rows.filter(raw.gather(rows).str.strip_chars() == "")
    return blank.scatter(empty, True) if len(empty) else blank


def code(reason: str) -> int:
    """The small-integer code of a reason (0 means the row is used)."""
    return REASONS.index(reason) + 1


def first_reasons(checks: list[tuple[str, pl.Series]], height: int) -> pl.Series:
    """The code of the first check that is True for each row (0 for rows in use)."""
    hits = [(mask, code(label)) for label, mask in checks if mask.any()]
    if not hits:
        return pl.repeat(0, height, dtype=pl.UInt8, eager=True).alias("reason")
    masks = pl.DataFrame([mask.alias(str(i)) for i, (mask, _) in enumerate(hits)])
    cases = [(pl.col(str(i)), pl.lit(value, pl.UInt8)) for i, (_, value) in enumerate(hits)]
    return masks.select(first_match(cases, pl.lit(0, pl.UInt8)).alias("reason")).to_series()


def mark(reason: pl.Series, mask: pl.Series, label: str) -> pl.Series:
    """Give ``label`` to rows in ``mask`` that have no reason yet."""
    if not mask.any():
        return reason
    return (
        pl.select(
            pl.when((reason == 0) & mask).then(pl.lit(code(label), pl.UInt8)).otherwise(reason)
        )
        .to_series()
        .alias("reason")
    )


def reason_labels(reason: pl.Series) -> pl.Series:
    """Reason codes as their labels (null for used rows)."""
    labels = pl.Series("labels", [None, *REASONS], dtype=pl.String)
    return labels.gather(reason.cast(pl.UInt32)).alias("reason")


def count_reasons(reason: pl.Series, malformed: int) -> dict[str, int]:
    """Rows left out per reason, every reason listed (zeros included)."""
    left = reason.filter(reason != 0).value_counts(name="n")  # few rows, in a clean file
    by_code = dict(zip(left[:, 0].to_list(), left["n"].to_list(), strict=True))
    found = {label: by_code.get(code(label), 0) for label in REASONS}
    found["malformed line"] = malformed
    return found


def check_strict(rows: pl.DataFrame, frame: pl.DataFrame, roles: dict, malformed, source: str,
                 limit: int = 5) -> None:  # fmt: skip
    """Raise DataError listing the first unparseable rows, if any (``--strict``)."""
    bad = rows.with_row_index("i").filter(pl.col("reason").is_in([code(u) for u in UNPARSEABLE]))
    bad = bad.with_columns(reason_labels(bad["reason"]))
    if bad.is_empty() and not malformed:
        return
    # a malformed line by its number only: its text may hold any column, personal ones too
    shown = [f"line {n or '?'}: malformed line" for n, _ in malformed[:limit]]
    for i, line, reason in bad.select("i", "line", "reason").head(limit - len(shown)).iter_rows():
        col = roles["date"] if reason == "unparseable date" else roles.get("amount")
        value = frame[col][i] if col else ""
        shown.append(f"line {line}: {reason} {str(value)[:60]!r}")
    total = bad.height + len(malformed)
    raise DataError(
        f"{source}: {total:,} unparseable row(s) with {param('strict')} ({'; '.join(shown)}); "
        f"fix them or run without {param('strict')} to leave them out"
    )


def rejected_rows(frame: pl.DataFrame, rows: pl.DataFrame, malformed) -> pl.DataFrame:
    """The rows left out: ``line``, ``reason`` and the original columns (as text)."""
    mask = rows["reason"] != 0
    out = pl.concat(
        [
            rows.select("line", reason_labels(rows["reason"])).filter(mask),
            frame.filter(mask).select(pl.all().cast(pl.String)),
        ],
        how="horizontal",
    )
    if malformed:
        extra = pl.DataFrame(
            {
                "line": [n for n, _ in malformed],
                "reason": ["malformed line"] * len(malformed),
                "text": [t for _, t in malformed],
            },
            schema_overrides={"line": pl.Int64},
        )
        out = pl.concat(
            [extra, out.with_columns(pl.col("line").cast(pl.Int64))], how="diagonal_relaxed"
        )
    return out
