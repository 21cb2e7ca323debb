"""Masked customer ids: ``138****1234``, ``张**``, ``a***@x.com``.

Platforms mask buyers' phones and names in exports; two buyers with the same masked value
then become one customer. Two signs tell such ids: mask characters in the id, and one id
whose orders go, on many different days, to many different addresses. Both are counted
per part of the input (a customer's rows are all in one part, so the counts add up) as
*findings* that :mod:`custseg.orders.accounting` turns into warnings naming the column to
use instead.
"""

from __future__ import annotations

import polars as pl

from custseg.orders.platforms import normalize_header, platforms
from custseg.privacy.personal import place_column

#: Characters that mask a value: ``*`` (also full-width, after NFKC), ``●``, ``•``, ``×``.
MASK_CHARACTERS = ("*", "●", "•", "×")
MASK = r"[*●•×]"
#: An id whose orders in use fall on at least this many days *and* go to at least this
#: many different addresses looks shared (a masked value, or one id for many people).
SHARED_DAYS = SHARED_PLACES = 5


def masked_ids(ids: pl.Series) -> pl.Series:
    """Whether each id holds a mask character and something else (an id of mask
    characters only, ``***``, is a placeholder: left out before)."""
    text = ids.cast(pl.String)
    return text.str.contains(MASK) & text.str.contains(r"[^*●•×\s]")


def shapes(ids: pl.Expr) -> pl.Expr:
    """Each id's shape, which names no one: digits as ``9``, Latin letters as ``a``, other
    letters (Chinese) as ``X``; mask characters, ``@`` and ``.`` as they are
    (``138****1234`` -> ``999****9999``, ``张**`` -> ``X**``)."""
    text = ids.cast(pl.String).str.replace_all(r"\d", "9")
    return text.str.replace_all(r"[a-zA-Z]", "a").str.replace_all(r"[\p{L}&&[^a]]", "X")


def masked_findings(frame: pl.DataFrame, rows: pl.DataFrame, roles: dict[str, str],
                    platform: str) -> dict[str, dict[str, int]]:  # fmt: skip
    """What one part's rows show of masked ids: ``frame`` the raw rows, ``rows`` their
    canonical rows (``customer_id``, ``order_date``, ``reason``; row for row with
    ``frame``).

    Returns findings (name -> detail -> count): ``masked ids`` (``ids``, ``rows`` in use;
    ``masked shapes``: the shapes of the masked ids with their rows), ``shared ids``
    (``ids`` shared by many places, ``rows``; ``shared place`` names the address column),
    and, when any, ``masked instead``: the other customer columns of the input."""
    # on every run: one literal search of the ids (0.11 s for 10M rows; the two regular
    # expressions of masked_ids and the frame of rows in use took 0.75 s), the rest only on
    # the rows it finds, or when an address column asks for the shared-id check
    hit = rows["customer_id"].str.contains_any(list(MASK_CHARACTERS)).fill_null(False)
    place = place_column(frame.columns)
    if place is None and not hit.any():
        return {}
    used = rows.select("customer_id", "order_date", "reason").with_row_index("row")
    used = used.filter((pl.col("reason") == 0) & pl.col("customer_id").is_not_null())
    if used.is_empty():
        return {}
    found: dict[str, dict[str, int]] = {}
    candidates = used.filter(hit.gather(used["row"]))
    masked = candidates.filter(masked_ids(candidates["customer_id"]))
    if not masked.is_empty():
        per_id = masked.group_by("customer_id").len()
        found["masked ids"] = {"ids": per_id.height, "rows": masked.height}
        top = (per_id.group_by(shapes(pl.col("customer_id"))).agg(pl.col("len").sum())
               .sort(["len", "customer_id"], descending=[True, False]))  # fmt: skip
        found["masked shapes"] = dict(top.head(5).iter_rows())
    if place is not None:
        shared = _shared(used, frame[place])
        if shared[0]:
            found["shared ids"] = {"ids": shared[0], "rows": shared[1]}
            found["shared place"] = {place: 1}
    if found:
        instead = [c for c in other_customer_columns(frame.columns, roles.get("customer"),
                                                     platform)
                   if not masked_ids(frame[c].drop_nulls()).mean()]  # fmt: skip
        if instead:
            found["masked instead"] = dict.fromkeys(instead, 1)
    return found


def _shared(used: pl.DataFrame, places: pl.Series) -> tuple[int, int]:
    """The ids (and their rows) whose orders in use fall on :data:`SHARED_DAYS` days or
    more and go to :data:`SHARED_PLACES` addresses or more."""
    place = places.cast(pl.String).str.strip_chars().gather(used["row"])
    per_id = (
        used.with_columns(place=place, day=pl.col("order_date").dt.date())
        .group_by("customer_id")
        .agg(
            days=pl.col("day").n_unique(),
            places=pl.col("place").drop_nulls().n_unique(),
            rows=pl.len(),
        )  # fmt: skip
        .filter((pl.col("days") >= SHARED_DAYS) & (pl.col("places") >= SHARED_PLACES))
    )
    return per_id.height, int(per_id["rows"].sum())


def other_customer_columns(columns: list[str], chosen: str | None, platform: str) -> list[str]:
    """The columns of the input, other than ``chosen``, whose names the platform's table
    (then the generic one) knows for the customer role: what to name instead of a masked
    id column."""
    tables = platforms()
    keys: list[str] = []
    for name in (platform, "generic"):
        if name in tables:
            keys += list(tables[name].columns.get("customer", ()))
    by_key = {normalize_header(c): c for c in columns if c != chosen}
    return list(dict.fromkeys(by_key[k] for k in keys if k in by_key))
