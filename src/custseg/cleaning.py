"""Why a row is not used: the reasons, their order, and the lists behind them.

Every input row gets the first reason that applies, or none (used):

=====================  =====================================================
reason                 when
=====================  =====================================================
malformed line         the reader could not split the line into the header's
                       fields (wrong number of fields)
missing customer       the customer id is empty
missing date           the date is empty (e.g. an unpaid Tmall order)
unparseable date       the date is not in a known format
missing amount         the amount is empty
unparseable amount     the amount is not a number
cancelled              the status means closed / cancelled / refunded, or the
                       invoice number is a UCI-style cancellation (``C536379``)
duplicate row          an exact copy of an earlier row (``--keep-duplicates``)
return dropped         a negative amount with ``--returns drop``
after as-of            dated after the as-of date
returns only           a customer with returns but no purchase
=====================  =====================================================
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from .errors import DataError

REASONS: tuple[str, ...] = (
    "malformed line",
    "missing customer",
    "missing date",
    "unparseable date",
    "missing amount",
    "unparseable amount",
    "cancelled",
    "duplicate row",
    "return dropped",
    "after as-of",
    "returns only",
)
UNPARSEABLE = ("malformed line", "unparseable date", "unparseable amount")

#: A status containing any of these (after NFKC and lower-casing) is not a sale.
CANCEL_STATUS_WORDS: tuple[str, ...] = (
    "交易关闭",
    "已关闭",
    "取消",
    "退款成功",
    "已退款",
    "退货",
    "关闭",
    "cancel",
    "refund",
    "returned",
    "closed",
    "void",
    "rejected",
)


def mark(reason: np.ndarray, mask: np.ndarray, label: str) -> None:
    """Give ``label`` to rows in ``mask`` that have no reason yet."""
    reason[mask & (reason == "")] = label


def _blank(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_string_dtype(values.dtype) or values.dtype == object:
        text = values.astype("string").str.strip()
        return (text.isna() | (text == "")).to_numpy(dtype=bool)
    return values.isna().to_numpy(dtype=bool)


def cancelled_status(status: pd.Series, extra: tuple[str, ...] = ()) -> np.ndarray:
    """True where a status text means the order is not a sale (decided per distinct value)."""
    words = tuple(unicodedata.normalize("NFKC", w).lower() for w in CANCEL_STATUS_WORDS + extra)
    codes, uniques = pd.factorize(status.astype("string"))
    flags = np.array(
        [any(w in unicodedata.normalize("NFKC", str(u)).lower() for w in words) for u in uniques]
        + [False],
        dtype=bool,
    )
    return flags[codes]  # code -1 (missing) picks the trailing False


def cancelled_invoice(order_id: pd.Series) -> np.ndarray:
    """UCI convention: ``C`` + digits is a cancellation, when other order ids are numeric."""
    sample = order_id.dropna().head(10_000)
    if sample.empty or sample.str.fullmatch(r"\d+").mean() < 0.5:
        return np.zeros(len(order_id), dtype=bool)
    return order_id.str.fullmatch(r"[Cc]\d+").fillna(False).to_numpy(dtype=bool)


def row_reasons(frame: pd.DataFrame, rows: pd.DataFrame, roles: dict, opts) -> np.ndarray:
    """The first reason each row is left out ('' for rows in use), before as-of."""
    reason = np.full(len(rows), "", dtype=object)
    mark(reason, rows["customer_id"].isna().to_numpy(), "missing customer")
    date_blank = _blank(frame[roles["date"]])
    mark(reason, date_blank, "missing date")
    mark(reason, rows["order_date"].isna().to_numpy(), "unparseable date")
    amount_cols = [roles["amount"]] if "amount" in roles else [roles["quantity"], roles["price"]]
    amount_blank = np.logical_or.reduce([_blank(frame[c]) for c in amount_cols])
    mark(reason, amount_blank, "missing amount")
    mark(reason, rows["amount"].isna().to_numpy(), "unparseable amount")
    if "status" in roles:
        mark(reason, cancelled_status(frame[roles["status"]], opts.cancel_status), "cancelled")
    if "order" in roles:
        mark(reason, cancelled_invoice(rows["order_id"]), "cancelled")
    if not opts.keep_duplicates:
        mark(reason, frame.duplicated(keep="first").to_numpy(), "duplicate row")
    if opts.returns == "drop":
        mark(reason, (rows["amount"] < 0).to_numpy(), "return dropped")
    return reason


def count_reasons(reason: np.ndarray, malformed: int) -> dict[str, int]:
    """Rows left out per reason, every reason listed (zeros included)."""
    labels, counts = np.unique(reason[reason != ""], return_counts=True)
    found = dict(zip(labels.tolist(), counts.tolist(), strict=True))
    found["malformed line"] = malformed
    return {r: int(found.get(r, 0)) for r in REASONS}


def check_strict(rows, reason, malformed, frame, roles, source: str, limit: int = 5) -> None:
    """Raise DataError listing the first unparseable rows, if any (``--strict``)."""
    bad = np.isin(reason, UNPARSEABLE)
    if not bad.any() and not malformed:
        return
    shown = [f"line {n or '?'}: malformed line {text[:60]!r}" for n, text in malformed[:limit]]
    for i in np.flatnonzero(bad)[: max(0, limit - len(shown))]:
        col = roles["date"] if reason[i] == "unparseable date" else roles.get("amount")
        value = frame.iloc[i][col] if col else ""
        shown.append(f"line {rows['line'].iloc[i]}: {reason[i]} {str(value)[:60]!r}")
    total = int(bad.sum()) + len(malformed)
    raise DataError(
        f"{source}: {total:,} unparseable row(s) with --strict ({'; '.join(shown)}); "
        f"fix them or run without --strict to leave them out"
    )


def rejected_rows(frame, rows, reason: np.ndarray, malformed) -> pd.DataFrame:
    """The rows left out: ``line``, ``reason`` and the original columns."""
    out = frame.loc[reason != ""].copy()
    out.insert(0, "reason", reason[reason != ""])
    out.insert(0, "line", rows.loc[reason != "", "line"].to_numpy())
    if malformed:
        extra = pd.DataFrame(
            {
                "line": [n for n, _ in malformed],
                "reason": "malformed line",
                "text": [t for _, t in malformed],
            }
        )
        out = pd.concat([extra, out], ignore_index=True)
    return out.reset_index(drop=True)
