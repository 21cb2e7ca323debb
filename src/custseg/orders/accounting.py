"""Where every input row went: the reasons counted, the as-of date decided once.

Row accounting is one step, after the rows are parsed and the per-customer pass has
found the customers with returns only (see :func:`custseg.measures.plan.customer_pass`,
the one place that rule is applied). ``rows_read == rows_used + sum(left_out.values())``
always holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import polars as pl

from custseg.notes import Note
from custseg.orders import cleaning


@dataclass
class LoadReport:
    """Where every input row went.

    ``rows_read == rows_used + sum(left_out.values())`` always holds. ``orders`` counts
    the purchases in use, ``returns`` the return orders in use.
    """

    source: str
    rows_read: int
    left_out: dict[str, int]
    columns: dict[str, str]
    as_of: dt.date
    orders: int = 0
    returns: int = 0
    format: str = "csv"
    phases: dict[str, float] = field(default_factory=dict)  # seconds spent per stage
    platform: str = "generic"
    notes: list[str] = field(default_factory=list)  # what was decided about the input
    warnings: list[str] = field(default_factory=list)  # of the input as a whole
    findings: dict[str, dict[str, int]] = field(default_factory=dict)  # summed over parts

    @property
    def rows_used(self) -> int:
        return self.rows_read - sum(self.left_out.values())

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "format": self.format,
            "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "left_out": {k: v for k, v in self.left_out.items() if v},
            "columns": self.columns,
            "orders": self.orders,
            "returns": self.returns,
            "as_of": self.as_of.isoformat(),
            "platform": self.platform,
            "notes": self.all_notes(),
            "warnings": self.all_warnings(),
        }

    def all_notes(self) -> list[str]:
        """The input's notes and those of what the parts found."""
        partly = sum(self.findings.get("partly refunded net", {}).values())
        net = [Note("partly_net", n=partly)]
        return [*self.notes, *(net if partly else [])]

    def all_warnings(self) -> list[str]:
        """The input's warnings and those of what the parts found."""
        return [*self.warnings, *finding_warnings(self.findings)]

    def __add__(self, other: LoadReport) -> LoadReport:
        """The accounting of two parts of one input (same source, columns and as-of)."""
        left = {k: self.left_out.get(k, 0) + other.left_out.get(k, 0) for k in self.left_out}
        return replace(
            self,
            rows_read=self.rows_read + other.rows_read,
            left_out=left,
            orders=self.orders + other.orders,
            returns=self.returns + other.returns,
            phases=dict(self.phases),
            findings=_add_counts(self.findings, other.findings),
        )


def _add_counts(a: dict[str, dict[str, int]], b: dict[str, dict[str, int]]) -> dict:
    out = {k: dict(v) for k, v in a.items()}
    for name, counts in b.items():
        into = out.setdefault(name, {})
        for key, n in counts.items():
            into[key] = into.get(key, 0) + n
    return out


def finding_warnings(findings: dict[str, dict[str, int]], limit: int = 5) -> list[str]:
    """What the parts found, as warnings (values listed most frequent first)."""

    def listing(counts: dict[str, int]) -> str:
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        shown = ", ".join(f"{k!s} {n:,} rows" for k, n in top[:limit])
        return shown + (f" and {len(top) - limit} more" if len(top) > limit else "")

    out: list[str] = []
    if "status unknown" in findings:
        out.append(Note("status_unknown", values=listing(findings["status unknown"])))
    if "status words" in findings:
        out.append(Note("status_words", values=listing(findings["status words"])))
    if "early dates" in findings:
        out.append(Note("early_dates", n=sum(findings["early dates"].values())))
    if "far dates" in findings:
        far = findings["far dates"]
        out.append(Note("far_dates", early=far.get("early", 0), future=far.get("future", 0)))
    if "partly refunded gross" in findings:
        out.append(Note("partly_gross", n=sum(findings["partly refunded gross"].values())))
    return out + masked_warnings(findings)


def masked_warnings(findings: dict[str, dict[str, int]]) -> list[str]:
    """The warnings of masked or shared customer ids (:mod:`custseg.privacy.masked`), each
    naming the column to use instead when the input has one."""
    instead, instead_zh = _instead(list(findings.get("masked instead", {})))
    out: list[str] = []
    if "masked ids" in findings:
        masked = findings["masked ids"]
        shapes = findings.get("masked shapes", {})
        top = sorted(shapes.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        out.append(Note("masked_ids", n=masked["ids"], rows=masked["rows"],
                        shapes=", ".join(k for k, _ in top),
                        instead=instead, instead_zh=instead_zh))  # fmt: skip
    if "shared ids" in findings:
        from custseg.privacy.masked import SHARED_DAYS, SHARED_PLACES

        shared = findings["shared ids"]
        place = next(iter(findings.get("shared place", {})), "")
        out.append(Note("shared_places", n=shared["ids"], rows=shared["rows"], days=SHARED_DAYS,
                        places=SHARED_PLACES, place=repr(place), instead=instead,
                        instead_zh=instead_zh))  # fmt: skip
    return out


def _instead(columns: list[str]) -> tuple[str, str]:
    """What to do about masked ids, in English and Chinese: name another customer column
    of the input, or export full ids."""
    if columns:
        names = ", ".join(repr(c) for c in columns)
        return (
            f"name another customer column with `columns.customer` (this file has {names})",
            f"请用 `columns.customer` 指定其他客户列（本文件还有 {names}）",
        )
    return (
        "export the orders again with unmasked buyer ids (a member account or buyer id) "
        "if the platform offers them",
        "如平台提供，请重新导出带完整买家ID（会员账号或买家ID）的订单",
    )


def decide_as_of(explicit: dt.date | None, latest: dt.datetime | None) -> dt.date:
    """The as-of date of a run: ``explicit`` (``--as-of``), else the day after the latest
    date of a row in use (returns included), else today when no row is in use."""
    if explicit is not None:
        return explicit
    if latest is None:
        return dt.date.today()
    return min(latest.date(), dt.date.max - dt.timedelta(days=1)) + dt.timedelta(days=1)


def latest_used(rows: pl.DataFrame) -> dt.datetime | None:
    """The latest ``order_date`` of the rows in use (``reason`` 0)."""
    latest = rows.lazy().select(pl.col("order_date").filter(pl.col("reason") == 0).max())
    return latest.collect().item()


def mark_after_as_of(rows: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """``rows`` with the rows in use dated after ``as_of`` marked ``after as-of``."""
    latest = rows["order_date"].max()
    if latest is None or latest.date() <= as_of:
        return rows
    after = rows["order_date"].dt.date() > as_of
    return rows.with_columns(cleaning.mark(rows["reason"], after, "after as-of"))


def mark_returns_only(rows: pl.DataFrame, customers: pl.Series,
                      until: dt.date | None = None) -> pl.DataFrame:  # fmt: skip
    """``rows`` with the rows in use of ``customers`` (the ids the per-customer pass found
    with returns only) marked ``returns only``; with ``until``, only those dated on or
    before it (the pass measured the customers as of that day)."""
    if customers.is_empty():
        return rows
    hit = rows["customer_id"].is_in(customers.implode())
    if until is not None:
        hit = hit & (rows["order_date"].dt.date() <= until).fill_null(False)
    return rows.with_columns(cleaning.mark(rows["reason"], hit, "returns only"))


def part_report(
    rows: pl.DataFrame,
    orders: pl.DataFrame,
    *,
    malformed: int,
    returns_only: tuple[int, int],
    source: str,
    columns: dict[str, str],
    as_of: dt.date,
    fmt: str,
    facts=None,
    findings: dict[str, dict[str, int]] | None = None,
) -> LoadReport:
    """The accounting of one part: ``rows`` (every row read, with its reason; the rows
    of customers with returns only still in use, or already marked), ``orders`` (the
    orders in use, line items merged; may be ``rows`` itself when every row is an order),
    ``malformed`` lines the reader skipped, and ``returns_only``: the rows and the orders
    in use of the customers with returns only, when not yet marked in ``rows``."""
    left_out = cleaning.count_reasons(rows["reason"], malformed)
    only_rows, only_orders = returns_only
    left_out["returns only"] += only_rows
    if "reason" in orders.columns:
        in_use = pl.col("reason") == 0
        counts = orders.lazy().select(
            orders=(in_use & (pl.col("amount") >= 0)).sum(), all=in_use.sum()
        )  # streamed: no full-length masks
    else:  # merged orders: all in use
        counts = orders.lazy().select(orders=(pl.col("amount") >= 0).sum(), all=pl.len())
    purchases, total = counts.collect(engine="streaming").row(0)
    return LoadReport(
        source=source,
        rows_read=rows.height + malformed,
        left_out=left_out,
        columns=dict(columns),
        as_of=as_of,
        orders=int(purchases),
        returns=int(total) - int(purchases) - only_orders,
        format=fmt,
        platform=facts.platform if facts else "generic",
        notes=list(facts.notes) if facts else [],
        warnings=list(facts.warnings) if facts else [],
        findings={k: dict(v) for k, v in (findings or {}).items()},
    )
