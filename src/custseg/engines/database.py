"""The database engine: the per-customer aggregation pushed down into PostgreSQL's SQL
(:mod:`custseg.io.database.aggregate`), only the per-customer rows brought back.

It runs when every row-level rule the row path applies to the rows can be said in SQL
(:func:`pushdown_for`): a PostgreSQL table or query whose customer, date and amount
columns are typed (a text or integer id; a ``timestamp``, ``timestamptz`` or ``date``;
an integer, float or ``numeric`` amount), no other role than an order id, whose ids are
unique (no line items to merge), and no option that needs the rows themselves
(``--rejects``, ``--strict``, a purchase history, cohorts). Otherwise the rows are read
(the row path) and :func:`measure_in_database` returns None.

The database groups on the raw customer id; here the ids get the row path's canonical
text (:func:`custseg.orders.values.id_expr`: trimmed, ``nan`` as missing...) and
placeholder ids are left out, groups whose ids are the same once canonical are added up,
and the measures are finished by the row path's own expressions
(:func:`custseg.measures.plan.finish_measures`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from custseg.engines.steps import Measured
from custseg.measures.plan import Lifecycle, finish_measures
from custseg.notes import Note
from custseg.orders import cleaning
from custseg.orders.accounting import LoadReport, decide_as_of
from custseg.orders.facts import layout_notes
from custseg.orders.load import Input, LoadOptions, no_rows_left, open_input
from custseg.orders.rows import placeholder_customers
from custseg.orders.values import id_expr

#: The reasons the database counts, as its columns name them.
_SQL_REASONS = ("missing date", "unparseable date", "missing amount", "unparseable amount",
                "duplicate row", "return dropped", "after as-of")  # fmt: skip
#: The aggregates of the rows in use, and how the groups of one customer add up.
_ADD_UP = {"row": "min", "first_order": "min", "last_order": "max", "purchases": "sum",
           "returns": "sum", "monetary": "sum", "before_window": "max",
           "in_window": "min"}  # fmt: skip


def measure_in_database(
    source: str | Path,
    opts: LoadOptions,
    lifecycle: Lifecycle | None,
    tell: Callable[[str], None],
) -> Measured | None:
    """Every customer's measures and the row accounting, aggregated in the database;
    None when the source cannot be (see the module), then the caller reads the rows.
    Raises InputFileError, DataError."""
    clock = time.perf_counter()
    tell("read")
    inp = open_input(source, opts)
    database = inp.source.database
    assert database is not None
    plan = pushdown_for(inp, opts)
    if plan is None:
        return None
    from custseg.io.database.drivers import connect
    from custseg.io.database.read import to_polars

    life = lifecycle or Lifecycle()
    with connect(database.url) as conn:

        def fetch(sql: str) -> pl.DataFrame:
            return to_polars(database.fetch(conn, sql, " (aggregating per customer)"))

        if opts.pushdown is None and database.fits(conn, opts.memory_limit):
            return None  # read whole: faster on a near server (the README's figures)
        order = (inp.roles or {}).get("order")
        if order and not _unique_orders(fetch(plan.orders_sql(order)).row(0)):
            return None  # line items to merge, or UCI cancellations: the row path
        as_of = opts.as_of
        if as_of is None:
            known = _known(fetch(plan.latest_sql()), opts).filter(pl.col("why").is_null())
            latest = known["latest"].max()
            as_of = decide_as_of(None, latest)  # type: ignore[arg-type]
        tell("aggregate")
        groups = fetch(plan.customers_sql(as_of, life.churn_days, dt.date.today()))
    report, measures = _account(groups, opts, inp, as_of, life)
    report.phases = {"aggregate": time.perf_counter() - clock}
    return Measured(measures, report)


def pushdown_for(inp: Input, opts: LoadOptions) -> Any:
    """The :class:`custseg.io.database.aggregate.Pushdown` of an opened database input,
    or None when its rows must be read (see the module)."""
    from custseg.io.database.aggregate import GROUPABLE, Pushdown
    from custseg.io.database.read import to_polars

    database, layout = inp.source.database, inp.layout
    if database is None or database.kind != "postgresql" or layout is None:
        return None
    if opts.keep_rejects or opts.strict or opts.amount_level == "order" or opts.pushdown is False:
        return None
    roles = layout.roles
    if set(roles) - {"customer", "date", "amount", "order"} or layout.platform is not None:
        return None
    if layout.order_level:
        return None
    sample = database._sample
    types = {f.name: (f.metadata or {}).get(b"POSTGRESQL:type", b"").decode()
             for f in sample.schema}  # fmt: skip
    schema = to_polars(sample.slice(0, 0)).schema
    customer, amount = schema[roles["customer"]], schema[roles["amount"]]
    if not (customer == pl.String or customer.is_integer()) or not amount.is_numeric():
        return None
    date_type = types.get(roles["date"], "")
    if date_type not in ("timestamp", "timestamptz", "date"):
        return None
    dedup = None
    if "order" not in roles and not opts.keep_duplicates:
        names = list(types)
        if len(set(names)) < len(names) or not set(types.values()) <= GROUPABLE:
            return None
        dedup = tuple(names)
    return Pushdown(database.select, roles["customer"], roles["date"], roles["amount"],
                    date_type, opts.tz, dedup, opts.returns == "drop")  # fmt: skip


def _unique_orders(counts: tuple) -> bool:
    """Whether every row has an order id, none repeats and none starts with C (the
    row path then looks for UCI-style cancellations)."""
    rows, ids, distinct, c_ids = counts
    return rows == ids == distinct and c_ids == 0


def _known(groups: pl.DataFrame, opts: LoadOptions) -> pl.DataFrame:
    """``groups`` (one per raw id ``c``) with ``customer_id``, the canonical id, and
    ``why``: 0, or the reason (missing or placeholder customer) all their rows get."""
    raw = groups["c"]
    ids = groups.select(id_expr("c", raw.dtype, raw).alias("customer_id"))["customer_id"]
    placeholder = placeholder_customers(ids, None, opts)
    if placeholder.len() != ids.len():  # no placeholder looked for
        placeholder = pl.repeat(False, ids.len(), eager=True)
    why = pl.select(
        pl.when(ids.is_null()).then(pl.lit("missing customer"))
        .when(placeholder).then(pl.lit("placeholder customer"))
    ).to_series()  # fmt: skip
    return groups.with_columns(customer_id=ids, why=why)


def _account(groups: pl.DataFrame, opts: LoadOptions, inp: Input, as_of: dt.date,
             life: Lifecycle) -> tuple[LoadReport, pl.DataFrame]:  # fmt: skip
    """The row accounting and the measures from the database's groups."""
    groups = _known(groups, opts)
    left_out = dict.fromkeys(cleaning.REASONS, 0)
    for reason in ("missing customer", "placeholder customer"):
        left_out[reason] = int(groups.filter(pl.col("why") == reason)["rows_read"].sum())
    known = groups.filter(pl.col("why").is_null())
    for reason in _SQL_REASONS:
        left_out[reason] = int(known[reason.replace(" ", "_").replace("-", "_")].sum())
    customers = known.group_by("customer_id").agg(
        getattr(pl.col(c), how)() for c, how in _ADD_UP.items()
    )
    only = customers.filter((pl.col("purchases") == 0) & (pl.col("returns") > 0))
    left_out["returns only"] = int(only["returns"].sum())
    buyers = customers.filter(pl.col("purchases") > 0).sort("row")
    report = _report(inp, as_of, left_out, buyers, groups)
    if report.rows_used == 0:
        raise no_rows_left(inp.name, report.left_out)
    return report, finish_measures(buyers, as_of, life)


def _report(inp: Input, as_of: dt.date, left_out: dict[str, int], buyers: pl.DataFrame,
            groups: pl.DataFrame) -> LoadReport:  # fmt: skip
    """The :class:`LoadReport` of a pushed-down run (the row path's notes and findings:
    dates before 1900 counted among all rows, far dates among the rows of known ids)."""
    assert inp.layout is not None
    findings: dict[str, dict[str, int]] = {}
    known = groups.filter(pl.col("why").is_null())
    early = int(groups["early_dates"].sum())
    if early:
        findings["early dates"] = {"": early}
    far = {k: int(known[f"far_{k}"].sum()) for k in ("early", "future")}
    if any(far.values()):
        findings["far dates"] = {k: n for k, n in far.items() if n}
    notes, warnings = layout_notes(inp.layout)
    return LoadReport(
        source=inp.name,
        rows_read=int(groups["rows_read"].sum()),
        left_out=left_out,
        columns=dict(inp.layout.roles),
        as_of=as_of,
        orders=int(buyers["purchases"].sum()),
        returns=int(buyers["returns"].sum()),
        format=inp.format,
        notes=[*notes, Note("pushdown")],
        warnings=warnings,
        findings=findings,
    )
