"""Raw rows to canonical rows in Spark, each with the first reason it is not used: the
Spark translation of :func:`custseg.orders.rows.parse_rows` for typed values.

The lists are the default engine's: missing-id markers (:data:`custseg.orders.values.
MISSING_TEXT`), placeholder ids (:func:`custseg.orders.rows.placeholder_ids`), status
values (read once per distinct value by :func:`custseg.orders.statuses.read_value`, then
looked up in a Spark map), the reasons and their order (:mod:`custseg.orders.cleaning`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from custseg.engines.spark.source import ORDER_KEY, Refused, SparkInput, column
from custseg.orders.cleaning import REASONS, code
from custseg.orders.load import LoadOptions
from custseg.orders.platforms import platforms
from custseg.orders.rows import EARLIEST_PLAUSIBLE, FIRST_YEAR, MAX_AMOUNT, placeholder_ids
from custseg.orders.statuses import CODES, read_value
from custseg.orders.values import MISSING_TEXT

#: Whitespace as the default engine trims it (Unicode White_Space, both ends).
_TRIM = r"(?U)^\s+|\s+$"
#: The text values the Spark engine reads (any other non-blank value is refused).
ISO_DATE = r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?$"
PLAIN_NUMBER = r"^[+-]?(\d+(\.\d+)?|\.\d+)$"


@dataclass
class CanonicalRows:
    """``rows``: one canonical row per row read (``customer_id``, ``order_id``,
    ``order_date``, ``amount``, ``reason``), persisted; ``one_row_per_order``: no line
    items to merge; ``findings``: what the report warns of (as the default engine's)."""

    rows: Any
    one_row_per_order: bool
    findings: dict[str, dict[str, int]] = field(default_factory=dict)


def _trimmed(col: Any) -> Any:
    from pyspark.sql import functions as F

    return F.regexp_replace(col, _TRIM, "")


def id_column(name: str, dtype: str) -> Any:
    """Canonical ids (:func:`custseg.orders.values.id_expr`): trimmed, Excel's text guards
    removed, ``17850.0`` -> ``17850``, missing markers null; whole float ids as integers."""
    from pyspark.sql import functions as F

    col = column(name)
    if dtype in ("float", "double"):
        whole = F.round(col, 0) == col
        return F.when(whole, col.try_cast("bigint").cast("string")).otherwise(col.cast("string"))
    if dtype != "string":
        return col.cast("string")
    text = _trimmed(col)
    text = F.regexp_replace(F.regexp_replace(text, r'^="(.*)"$', "$1"), r"^'", "")
    text = F.regexp_replace(text, r"^([+-]?\d+)\.0+$", "$1")
    return F.when(F.lower(text).isin(list(MISSING_TEXT)), F.lit(None)).otherwise(text)


def _date(name: str, dtype: str) -> tuple[Any, Any]:
    """The order time (``timestamp_ntz``, the wall clock) and whether the raw value is
    text the Spark engine does not read."""
    from pyspark.sql import functions as F

    col = column(name)
    if dtype != "string":  # a zoned timestamp: its wall clock in UTC, the session's zone
        return col.cast("timestamp_ntz"), F.lit(False)
    text = _trimmed(col)
    plain = text.rlike(ISO_DATE)
    parsed = F.when(plain, F.regexp_replace(text, "T", " ").try_cast("timestamp_ntz"))
    return parsed, ~plain & (text != "")


def _number(name: str, dtype: str) -> tuple[Any, Any]:
    """A number column as doubles, and whether the raw value is text not read."""
    from pyspark.sql import functions as F

    col = column(name)
    if dtype != "string":
        return col.cast("double"), F.lit(False)
    text = _trimmed(col)
    plain = text.rlike(PLAIN_NUMBER)
    return F.when(plain, text.try_cast("double")), ~plain & (text != "")


def _blank(name: str, dtype: str) -> Any:
    """Whether a raw cell is empty (null, or text of only spaces)."""
    col = column(name)
    return col.isNull() | (_trimmed(col) == "") if dtype == "string" else col.isNull()


def _finite(amount: Any) -> Any:
    """``amount`` with NaN, infinite and absurd values as null (:func:`custseg.orders.rows.
    finite`)."""
    from pyspark.sql import functions as F

    ok = ~F.isnan(amount) & (F.abs(amount) <= MAX_AMOUNT)
    return F.when(ok, amount)


def status_code(inp: SparkInput, opts: LoadOptions, findings: dict) -> Any:
    """The row code of the status columns (the largest of :data:`custseg.orders.statuses.
    CODES`), each distinct value read on the driver by the default engine's reader; the
    values read by their words or unknown counted in ``findings``."""
    from pyspark.sql import functions as F

    platform = platforms().get(inp.facts.platform) if inp.facts.platform != "generic" else None
    seen: dict[str, dict[str, int]] = {"words": {}, "unknown": {}}
    codes = []
    for role in ("status", "after_sale"):
        if role not in inp.roles:
            continue
        text = column(inp.roles[role]).cast("string")
        counts = inp.frame.where(text.isNotNull()).groupBy(text.alias("v")).count().collect()
        lookup: dict[str, int] = {}
        for value, n in counts:
            reading = read_value(value, platform, opts.cancel_status)
            if CODES[reading.category]:
                lookup[value] = CODES[reading.category]
            if reading.how != "table":
                label = f"{value.strip()} ({reading.category.replace('_', ' ')})"
                seen[reading.how][label] = seen[reading.how].get(label, 0) + n
        pairs = [F.lit(x) for kv in lookup.items() for x in kv]
        codes.append(F.coalesce(F.create_map(*pairs)[text], F.lit(0)) if pairs else F.lit(0))
    findings.update({f"status {how}": c for how, c in seen.items() if c})
    return F.greatest(*codes) if len(codes) > 1 else codes[0] if codes else F.lit(0)


def parse_rows(inp: SparkInput, opts: LoadOptions) -> CanonicalRows:
    """One canonical row per row read, with its first reason (0: in use), persisted;
    raises :class:`custseg.engines.spark.source.Refused` at the first value the Spark
    engine does not read."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    roles, facts, types = inp.roles, inp.facts, dict(inp.frame.dtypes)
    findings: dict[str, dict[str, int]] = {}
    date, odd_date = _date(roles["date"], types[roles["date"]])
    amount_cols = [roles["amount"]] if "amount" in roles else [roles["quantity"], roles["price"]]
    numbers = [_number(c, types[c]) for c in amount_cols]
    amount = numbers[0][0] if len(numbers) == 1 else numbers[0][0] * numbers[1][0]
    odd_amount = F.greatest(*(odd for _, odd in numbers)) if len(numbers) > 1 else numbers[0][1]
    cust_type = types[roles["customer"]]
    odd_id = (F.round(column(roles["customer"]), 0) != column(roles["customer"])
              if cust_type in ("float", "double") else F.lit(False))  # fmt: skip
    order_id, c_invoice, unique = _order_ids(inp, date)
    frame = inp.frame.select(
        "*",
        id_column(roles["customer"], cust_type).alias("_customer"),
        order_id.alias("_order"),
        date.alias("_date"),
        _finite(amount).alias("_amount"),
        status_code(inp, opts, findings).alias("_status"),
        c_invoice.alias("_c_invoice"),
        F.greatest(odd_date, odd_amount, odd_id).alias("_odd"),
    )
    _check_plain(frame, inp.name)
    if facts.level("amount"):  # the order's amount sits on each of its rows: counted once
        first = F.row_number().over(_window(["_customer", "_order"]))
        frame = frame.withColumn("_amount", F.when(first == 1, F.col("_amount")).otherwise(0.0))
    reason = _reasons(inp, opts, frame, amount_cols, types, unique)
    rows = frame.select(
        F.col("_customer").alias("customer_id"),
        F.col("_order").alias("order_id"),
        F.when(F.year("_date") >= FIRST_YEAR, F.col("_date")).alias("order_date"),
        F.col("_amount").alias("amount"),
        reason.alias("reason"),
        (F.year("_date") < FIRST_YEAR).alias("_early"),
    ).persist(StorageLevel.MEMORY_AND_DISK)
    _date_findings(rows, findings)
    one_row = unique or "order" not in roles
    return CanonicalRows(rows.drop("_early"), one_row, findings)


def _window(keys: list[str]) -> Any:
    from pyspark.sql import Window

    return Window.partitionBy(*keys).orderBy(*ORDER_KEY)


def _order_ids(inp: SparkInput, date: Any) -> tuple[Any, Any, bool]:
    """Each row's order id (as :func:`custseg.orders.rows._order_ids`), whether it is a
    UCI cancellation, and whether the ids are unique (each row its own order)."""
    from pyspark.sql import functions as F

    roles, facts, types = inp.roles, inp.facts, dict(inp.frame.dtypes)
    order_col = roles.get("order") if facts.order_ids_usable else None
    unique = bool(order_col) and facts.unique_orders
    line = F.concat(F.lit("#"), F.col("_row").cast("string"))
    if "order" in roles and not order_col:  # ids unusable: a customer's rows of one time
        by_time = F.concat(F.lit("@"), date.cast("string"))
        return F.coalesce(by_time, line), F.lit(False), unique
    if not order_col:
        return F.col("_row").cast("string"), F.lit(False), unique
    plain = unique and not inp.guarded_orders  # unique ids used as they are
    raw = column(order_col).cast("string")
    order = raw if plain else id_column(order_col, types[order_col])
    c_invoice = F.lit(False)
    if facts.c_cancellations:
        c_invoice = F.coalesce(order.rlike(r"(?U)^[Cc]\d+$"), F.lit(False))
    return F.coalesce(order, line), c_invoice, unique


def _reasons(inp: SparkInput, opts: LoadOptions, frame: Any, amount_cols: list[str],
             types: dict[str, str], unique: bool) -> Any:  # fmt: skip
    """The code of each row's first reason (:data:`custseg.orders.cleaning.REASONS`)."""
    from pyspark.sql import functions as F

    customer, status = F.col("_customer"), F.col("_status")
    placeholders = [] if opts.keep_placeholder_ids else sorted(placeholder_ids(_table(inp)))
    missing_amount = F.greatest(*(_blank(c, types[c]) for c in amount_cols)) \
        if len(amount_cols) > 1 else _blank(amount_cols[0], types[amount_cols[0]])  # fmt: skip
    date = F.col("_date")
    checks = [
        ("missing customer", customer.isNull()),
        ("placeholder customer", customer.isin(placeholders) if placeholders else F.lit(False)),
        ("not paid", status == CODES["not_paid"]),
        ("cancelled", (status == CODES["cancelled"]) | F.col("_c_invoice")),
        ("missing date", _blank(inp.roles["date"], types[inp.roles["date"]])),
        ("unparseable date", date.isNull() | (F.year(date) < FIRST_YEAR)),
        ("missing amount", missing_amount),
        ("unparseable amount", F.col("_amount").isNull()),
    ]
    if not opts.keep_duplicates and not unique:
        copy = F.row_number().over(_window([column(c) for c in inp.columns])) > 1
        checks.append(("duplicate row", copy))
    if opts.returns == "drop":
        checks.append(("return dropped", F.col("_amount") < 0))
    reason = F.lit(0)
    for label, hit in reversed(checks):
        reason = F.when(hit, F.lit(code(label))).otherwise(reason)
    return reason


def _table(inp: SparkInput) -> Any:
    return platforms().get(inp.facts.platform) if inp.facts.platform != "generic" else None


def _check_plain(frame: Any, name: str) -> None:
    """Refuse the input when a value is text the Spark engine does not read (one pass,
    stopping at the first such row)."""
    from pyspark.sql import functions as F

    odd = frame.where(F.col("_odd")).limit(1).collect()
    if odd:
        row = repr(odd[0].asDict())[:300]
        raise Refused(f"{name}: a value the Spark engine does not read (row {row})")


def _date_findings(rows: Any, findings: dict) -> None:
    """Dates before :data:`custseg.orders.rows.FIRST_YEAR` (all rows) and, among the rows
    in use, before :data:`custseg.orders.rows.EARLIEST_PLAUSIBLE` or after today."""
    from pyspark.sql import functions as F

    tomorrow = dt.datetime.combine(dt.date.today() + dt.timedelta(days=1), dt.time())
    used = F.col("reason") == 0
    date = F.col("order_date")
    found = rows.select(
        F.count_if(F.col("_early")).alias("early_years"),
        F.count_if(used & (date < F.lit(EARLIEST_PLAUSIBLE).cast("timestamp_ntz"))).alias("early"),
        F.count_if(used & (date >= F.lit(tomorrow).cast("timestamp_ntz"))).alias("future"),
    ).first()
    if found["early_years"]:
        findings["early dates"] = {"": int(found["early_years"])}
    far = {k: int(found[k]) for k in ("early", "future") if found[k]}
    if far:
        findings["far dates"] = far


assert REASONS[0] == "malformed line"  # no line is malformed in a typed source
