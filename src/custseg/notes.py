"""What custseg tells about an input: notes (what it decided) and warnings (what it is not
sure of), each a :class:`Note`.

A note is a ``str`` (its English text: what ``--json`` and the Python API show), that also
keeps its key and values so that the terminal can say it in another language
(:func:`custseg.report.i18n.say`). The English texts are defined here, once.
"""

from __future__ import annotations

from typing import Any

#: key -> English template.
TEXTS: dict[str, str] = {
    # notes
    "platform": "platform: {title} ({how})",
    "chosen_over": "{role}: {chosen!r} chosen over {others}",
    "decimal_comma": "amounts use a decimal comma (1.058,00 is 1058.00)",
    "level_repeated": "order amounts repeated on item rows ({col}): counted once per order",
    "level_first_row": "order amounts on each order's first row only ({col}): counted once per "
    "order, the order's other rows take its status and date",
    "level_order": "amounts of {col} are order totals (as asked): counted once per order",
    "partly_net": "{n:,} partly refunded rows counted net of the refunded amount",
    "encoding": "text encoding: {label} (detected)",
    "header_line": "header on line {line} ({above} line{s} above it skipped)",
    "header_row": "header on row {line} ({above} row{s} above it skipped)",
    "xls_text": "an Excel name on delimited text: read as CSV",
    "pushdown": "aggregated in the database: only the per-customer rows were read",
    # warnings
    "no_line_end": "the last line has no line ending: the file may still be being written",
    "cut_line": "the last line (line {line}) ends inside a quoted value: left out as malformed",
    "mangled_customers": "the customer ids look mangled by Excel (like {like!r}): customers may "
    "be merged; export the file again without opening it in Excel",
    "mangled_orders": "the order ids look mangled by Excel ({example!r}): a customer's rows of "
    "the same time are counted as one order; export the file again without opening it in "
    "Excel, or name another column with `columns.order`",
    "shared_ids": "{n:,} order ids are shared by several customers: they are not order ids, a "
    "customer's rows of the same time are counted as one order; name the order column with "
    "`columns.order`",
    "recurring_ids": "{n:,} order ids recur on different days (numbers that restart?): they are "
    "not order ids, a customer's rows of the same time are counted as one order; name the "
    "order column with `columns.order`",
    "status_unknown": "status values no table knows, counted as sales: {values}; if one is not "
    "a sale, name it with `cancel_status`",
    "status_words": "status values read by their words: {values}",
    "early_dates": "{n:,} dates before the year 1900 left out as unparseable (a two-digit year "
    "such as 19-03-05?); write the years in full (2019-03-05)",
    "far_dates": "{early:,} orders dated before 1995 and {future:,} after today: far outside "
    "any shop's range (a default date such as 1970-01-01 or 9999-12-31?); they count as they "
    "are: check the date column, or set `as_of`",
    "partly_gross": "{n:,} partly refunded rows counted at their full amount: the export has no "
    "refunded-amount column; name it with `columns.refunded`",
    "masked_ids": "{n:,} customer ids are masked (like {shapes}; {rows:,} rows): different buyers "
    "may share one and are then counted as one customer; {instead}",
    "shared_places": "{n:,} customer ids have orders on {days} or more days to {places} or more "
    "different addresses ({place}; {rows:,} rows): masked or shared ids, several buyers "
    "counted as one customer?; {instead}",
    "rejects_personal": "`rejects` holds all the columns of the rows left out, some of which "
    "look personal ({columns}): keep the file to yourself, or leave out "
    "`rejects_all_columns`",
    # predictions
    "gg_few": "only {n} repeat buyers (fewer than {least}): the spend model's parameters are "
    "uncertain",
    "gg_correlated": "frequency and mean spend are correlated among repeat buyers (Pearson "
    "{corr:.2f}, above {most}): the Gamma-Gamma model assumes they are independent, so "
    "expected spend may be biased",
    "gg_excluded": "{n:,} repeat buyer(s) without positive mean spend were left out of the fit "
    "and get the population mean",
    "bgnbd_alive": "BG/NBD takes a customer who never came back for alive (P(alive) 1): {n:,} "
    "such customers; `model` mbgnbd does not",
}


class Note(str):
    """A note or warning: its English text, with its ``key`` and ``values`` kept."""

    key: str
    values: dict[str, Any]

    def __new__(cls, key: str, **values: Any) -> Note:
        text = super().__new__(cls, TEXTS[key].format(**values))
        text.key, text.values = key, values
        return text

    def __reduce__(self):  # pickled (a part kept between passes) as what it was made from
        return (_make, (self.key, self.values))


def _make(key: str, values: dict[str, Any]) -> Note:
    return Note(key, **values)


def plural(n: int) -> str:
    """``s`` unless ``n`` is 1."""
    return "" if n == 1 else "s"
