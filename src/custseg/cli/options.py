"""Option groups: each adds its options to a command and hands the command one typed object
built from their values, once per run.

==================  =========  ============================================================
decorator           argument   object
==================  =========  ============================================================
loader_options      load       :class:`Loader`: the core's LoadOptions, --rejects FILE and
                               the privacy options (:mod:`custseg.cli.privacy`)
scheme_options      scheme     :class:`custseg.cli.scheme.Scheme` (rule table, scoring, lang)
lifecycle_options   lifecycle  :class:`custseg.measures.plan.Lifecycle`
repeat_options      rule       :class:`custseg.measures.repeat.RepeatRule`
output_options      output     :class:`OutputOptions` (-o, --format, ..., --json, -q)
table_output_opt.   output     :class:`OutputOptions` of a measures table (``summary``)
==================  =========  ============================================================

Each object is built by :func:`option_group` before the command's body runs. The core
classes are imported inside the builders: they import Polars, which ``--help`` must not.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from custseg.cli.params import RETURNS_MODES, AsOfDate, ByteSize, TimeZone
from custseg.cli.privacy import PRIVACY, Privacy, privacy
from custseg.cli.progress import Progress  # noqa: F401 - its old place, kept for importers

if TYPE_CHECKING:
    from custseg.orders.load import LoadOptions

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def option_group(name: str, options: Sequence[Decorator], build: Callable[..., Any]) -> Decorator:
    """A decorator that adds ``options`` (click.option decorators) to a command and passes
    the command ``name=build(**their values)`` instead of the values themselves.

    ``build`` runs once per run, before the command's body. A ``click.BadParameter`` or
    ``click.UsageError`` it raises is a usage error (exit 2); a ``CustsegError`` goes to
    :func:`custseg.cli.output.handle_errors` (exit 1), which is therefore the command's
    first decorator after ``click.command``.
    """

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def run(**kwargs: Any) -> Any:
            values = {key: kwargs.pop(key) for key in names}
            return command(**kwargs, **{name: build(**values)})

        run.__click_params__ = list(getattr(command, "__click_params__", []))  # not shared
        count = len(run.__click_params__)
        decorated = _apply(options, run)
        names = [param.name for param in decorated.__click_params__[count:]]  # the group's own
        return decorated

    return decorate


def _apply(options: Sequence[Decorator], func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(options):  # decorators apply bottom-up: keep the written order
        func = option(func)
    return func


#: The order file (or database URL) every loading command reads.
order_file = click.argument("file", metavar="FILE|URL",
                            type=click.Path(dir_okay=True, allow_dash=True))  # fmt: skip
#: The same, optional: for the commands that run on Spark, where ``--table`` or ``--query``
#: can name the rows instead (:func:`custseg.cli.spark.check_source`).
source_file = click.argument("file", metavar="FILE|URL", required=False,
                             type=click.Path(dir_okay=True, allow_dash=True))  # fmt: skip


@dataclass(frozen=True)
class Loader:
    """How to read and clean the order file (the core's options), where the rows left
    out go (``--rejects FILE``; None: nowhere, and the loader does not keep them) and what
    of the customers may reach the outputs (:class:`custseg.cli.privacy.Privacy`)."""

    options: LoadOptions
    rejects: str | None = None
    privacy: Privacy = Privacy()

    def output_paths(self, output: str | None) -> dict[str, str | None]:
        """``-o``'s path and the loader's files (``--rejects``, ``--pseudonym-map``)."""
        return {"output": output, "rejects": self.rejects, "pseudonym_map": self.privacy.map_path}


_ROLES = ("customer", "order", "date", "amount", "quantity", "price", "status", "after_sale",
          "refunded")  # fmt: skip


def _loader(
    *,
    as_of,
    encoding,
    dayfirst,
    returns,
    keep_duplicates,
    cancel_status,
    strict,
    rejects,
    header_row,
    no_header,
    platform,
    tz,
    decimal,
    keep_placeholder_ids,
    order_amounts,
    table,
    query,
    pushdown,
    by,
    pseudonymize,
    pseudonym_key_file,
    pseudonym_map,
    private,
    rejects_all_columns,
    **columns,
) -> Loader:
    from custseg.orders.load import LoadOptions

    if no_header and header_row:
        raise click.UsageError("--no-header and --header-row contradict each other; pass one")
    if table and query:
        raise click.UsageError("--table and --query both name the rows to read; pass one")
    options = LoadOptions(
        as_of=as_of,
        columns={role: columns[f"{role}_col"] for role in _ROLES},
        encoding=encoding,
        dayfirst=dayfirst or None,  # not given: decided from the dates
        returns=returns,
        keep_duplicates=keep_duplicates,
        cancel_status=tuple(cancel_status),
        strict=strict,
        keep_rejects=rejects is not None,
        header_row=header_row,
        no_header=no_header,
        platform=platform,
        tz=tz,
        decimal=decimal,
        keep_placeholder_ids=keep_placeholder_ids,
        amount_level=None if order_amounts == "auto" else order_amounts,
        table=table,
        query=query,
        pushdown=pushdown,
        by=by,
    )
    chosen = privacy(pseudonymize=pseudonymize, pseudonym_key_file=pseudonym_key_file,
                     pseudonym_map=pseudonym_map, private=private,
                     rejects_all_columns=rejects_all_columns, rejects=rejects)  # fmt: skip
    return Loader(options, rejects, chosen)


def _column(role: str, help: str) -> Decorator:
    return click.option(f"--{role.replace('_', '-')}-col", metavar="NAME", help=help)


_LOADER = [
    click.option(
        "--table",
        metavar="NAME",
        help="With a database URL (postgresql://user@host/db, mysql://..., "
        "sqlite:///file.db): read the orders from this table or view (sales.orders "
        "with its schema). Needs custseg[db]; the URL's password is never printed. "
        "With --engine spark and no FILE: a table or view of the Spark session's catalog.",
    ),
    click.option(
        "--query",
        metavar="SQL",
        help="With a database URL: read the orders from the rows of this SELECT instead "
        "of a table. With --engine spark and no FILE: a Spark SQL query.",
    ),
    click.option(
        "--pushdown/--no-pushdown",
        default=None,
        help="With a PostgreSQL URL whose columns are typed: aggregate per customer in the "
        "database's SQL and read only the per-customer rows. Default: when the rows would "
        "not fit in memory; --pushdown whenever it can; --no-pushdown never.",
    ),
    click.option(
        "--as-of",
        type=AsOfDate(),
        default=None,
        help="Reference date (YYYY-MM-DD or 'today'). Orders after it are left "
        "out. Default: the day after the latest order.",
    ),
    _column("customer", "Column holding the customer id."),
    _column("order", "Column holding the order id (default: one order per row if none)."),
    _column("date", "Column holding the order date."),
    _column("amount", "Column holding the order amount."),
    _column(
        "quantity",
        "Quantity column (amount = quantity x unit price when there is no amount column).",
    ),
    _column("price", "Unit price column."),
    _column(
        "status",
        "Order status column (not paid, cancelled and refunded orders are left "
        "out; values are read whole, never by substring).",
    ),
    _column(
        "after_sale",
        "A second status column read with the first, e.g. 售后状态/退款状态 "
        "(an order either column says is not a sale is left out).",
    ),
    _column("refunded", "Refunded amount column: a partly refunded order counts net of it."),
    click.option(
        "--by",
        metavar="COLUMN",
        help="Break the customers down by this column (province 省份, city 城市, channel, "
        "store...; named exactly or as any other column name is found). A customer counts "
        "under the value of most of their purchases in use (returns are not purchases); on "
        "a tie, the value of their latest purchase among the tied values. A blank value "
        "shows as (missing). Adds a table per value to summary, rfm and repeat, a by_value "
        "column to rfm's -o, a 'by' object to --json and a chart to report.",
    ),
    click.option(
        "--platform",
        metavar="NAME",
        help="Read the file as an export of this platform (see 'custseg platforms'). "
        "Default: recognised from the header, else the common names.",
    ),
    click.option(
        "--tz",
        type=TimeZone(),
        metavar="ZONE",
        help="Convert times written with a UTC offset to this zone (e.g. Asia/Shanghai); "
        "times without one are taken as in it. Default: the wall-clock time as written, "
        "offset dropped.",
    ),
    click.option(
        "--decimal",
        type=click.Choice([".", ","]),
        help="The decimal mark of text amounts (',' for 1.058,00). Default: detected; a "
        "file that mixes both stops and asks.",
    ),
    click.option(
        "--keep-placeholder-ids",
        is_flag=True,
        help="Keep customer ids that stand for no customer (guest 0, -1, guest, 匿名, ***) "
        "as customers. Default: left out and counted.",
    ),
    click.option(
        "--order-amounts",
        type=click.Choice(["auto", "item", "order"]),
        default="auto",
        show_default=True,
        help="'order': the amount column holds each order's total, repeated on its item "
        "rows or on its first row only: counted once per order. 'item': amounts are per "
        "row and summed. 'auto': from the platform table, else detected.",
    ),
    click.option(
        "--encoding",
        metavar="NAME",
        help="Force the text encoding, e.g. gb18030 or cp1252 (default: UTF-8, UTF-8 "
        "BOM, UTF-16 BOM, GB18030 or Windows-1252, detected).",
    ),
    click.option(
        "--header-row",
        type=click.IntRange(1),
        metavar="N",
        help="Line number (1 = the first line; for Excel, the sheet row) of the header. "
        "Default: found, skipping title and note lines above it.",
    ),
    click.option(
        "--no-header",
        is_flag=True,
        help="The file has no header line (text or Excel): every line is a row and the "
        "columns are named by number, 1 for the first: --no-header --customer-col 2 "
        "--date-col 3 --amount-col 5.",
    ),
    click.option(
        "--dayfirst",
        is_flag=True,
        help="Read 5/3/2019 as 5 March (D/M/YYYY). Default: month first, unless more "
        "of the file's dates read day first (as 13/3/2019 does).",
    ),
    click.option(
        "--returns",
        type=click.Choice(RETURNS_MODES),
        default="net",
        show_default=True,
        help="Negative amounts: 'net' lowers the customer's spend without counting "
        "as an order; 'drop' leaves those rows out.",
    ),
    click.option(
        "--keep-duplicates",
        is_flag=True,
        help="Keep exact duplicate rows (default: left out and counted).",
    ),
    click.option(
        "--cancel-status",
        multiple=True,
        metavar="TEXT",
        help="Another status text meaning 'not a sale' (repeatable), added to the "
        "built-in list (交易关闭, 退款成功, cancelled, refunded, ...).",
    ),
    click.option(
        "--strict",
        is_flag=True,
        help="Fail (exit 1) if any row is unparseable instead of leaving it out.",
    ),
    click.option(
        "--rejects",
        metavar="FILE",
        help="Write the rows left out to FILE (CSV): their line number, the reason and "
        "the columns custseg uses (customer, order, date, amount, statuses, --by); the "
        "others only with --rejects-all-columns.",
    ),
    *PRIVACY,
]
#: Options of every command that reads an order file: ``load: Loader``.
loader_options = option_group("load", _LOADER, _loader)


def _lifecycle(new_days: int, churn_days: int):
    from custseg.measures.plan import Lifecycle

    return Lifecycle(new_days=new_days, churn_days=churn_days)


_LIFECYCLE = [
    click.option(
        "--new-days",
        type=click.IntRange(0),
        default=30,
        show_default=True,
        help="A customer whose first order is this recent is 'new'.",
    ),
    click.option(
        "--churn-days",
        type=click.IntRange(1),
        default=180,
        show_default=True,
        help="A customer without an order for longer is 'churned'; one who came "
        "back after such a gap is 'returning'.",
    ),
]
#: The windows of the lifecycle status (new / active / returning / churned).
lifecycle_options = option_group("lifecycle", _LIFECYCLE, _lifecycle)


def _repeat_rule(min_orders: int, min_spend: float):
    from custseg.measures.repeat import RepeatRule

    return RepeatRule(min_orders=min_orders, min_spend=min_spend)


_REPEAT = [
    click.option(
        "--min-orders",
        type=click.IntRange(1),
        default=2,
        show_default=True,
        help="Repeat buyers: at least this many orders (inclusive: 2 means 2 or more).",
    ),
    click.option(
        "--min-spend",
        type=float,
        default=40.0,
        show_default=True,
        help="Repeat buyers: spent strictly more than this (40 means more than "
        "40; exactly 40 is out).",
    ),
]
#: The repeat-buyer rule (老客户): at least N orders and more than X spent.
repeat_options = option_group("rule", _REPEAT, _repeat_rule)


#: ``--segment NAME`` (repeatable) of the commands that export customers: ``segments``.
segment_option = click.option(
    "--segment",
    "segments",
    multiple=True,
    metavar="NAME",
    help="Keep only customers of this segment in the output (repeatable).",
)


#: ``--chunked`` and ``--memory-limit`` of the commands that run the whole job: ``chunked``,
#: ``memory_limit``.
chunked_option = click.option(
    "--chunked",
    is_flag=True,
    help="Process the file in customer partitions, within --memory-limit (automatic "
    "when the file would not fit: about 4 bytes of memory per byte of CSV).",
)
memory_limit_option = click.option(
    "--memory-limit",
    type=ByteSize(),
    metavar="SIZE",
    help="Memory this run may use, e.g. 3G (default: the cgroup limit, else the "
    "memory available now). Files that would not fit are processed in parts.",
)
