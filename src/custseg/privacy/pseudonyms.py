"""Pseudonymous customer ids: HMAC-SHA256 of the id under a secret key, its first
:data:`LENGTH` hex characters (64 bits).

The same key gives the same pseudonym for the same id, in every run and every output, so
lists made on different days can be compared and joined; without the key, a pseudonym
cannot be turned back into the id, nor can an id be tried against it. Two ids collide
with probability about n² / 2^65 for n customers (3 in 100 million for 1 million
customers); a run whose ids do collide stops with an error rather than merge customers.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import polars as pl

from custseg.errors import DataError
from custseg.orders.values import id_expr
from custseg.privacy.digest import hexdigests, keyed

if TYPE_CHECKING:
    from custseg.engines.run import RfmResult

#: Hex characters kept of the HMAC-SHA256 digest: 16 (64 bits).
LENGTH = 16
#: The shortest key accepted, in bytes (the command line refuses shorter ones).
MIN_KEY = 16


def pseudonyms(ids: pl.Series, key: bytes) -> pl.Series:
    """Each id's pseudonym under ``key`` (nulls stay null; ids are taken as text)."""
    return hexdigests(ids.cast(pl.String), keyed(key, LENGTH)).alias(ids.name)


def id_map(ids: pl.Series, key: bytes) -> pl.DataFrame:
    """``customer_id`` and ``pseudonym`` of each distinct id, in the order of ``ids``.
    Raises DataError when two ids get one pseudonym (then no output may merge them)."""
    distinct = ids.cast(pl.String).drop_nulls().unique(maintain_order=True)
    digest = keyed(key, LENGTH)
    names = pl.Series([digest(v.encode("utf-8")) for v in distinct.to_list()], dtype=pl.String)
    table = pl.DataFrame({"customer_id": distinct, "pseudonym": names})
    if table["pseudonym"].n_unique() < table.height:
        raise DataError(f"two customer ids share a pseudonym ({LENGTH} hex characters, a "
                        f"chance of about n²/2^65): run again with another key")  # fmt: skip
    return table


def pseudonymize_result(
    result: RfmResult, key: bytes, rejects_column: str | None = None
) -> tuple[RfmResult, pl.DataFrame]:
    """``result`` with every customer id replaced by its pseudonym (the per-customer frame
    and, when given, ``rejects_column`` of the rows left out, whose ids are taken as the
    run takes them: trimmed, ``17850.0`` as ``17850``, so that a row left out and the
    customer's row in an export carry the same pseudonym), and the id map of every id
    shown. ``result`` itself is not changed. Raises DataError on a collision."""
    ids = result.frame["customer_id"]
    rejects, rejected = result.rejects_frame, None
    if rejects is not None and rejects_column in rejects.columns:
        raw = rejects[rejects_column]
        rejected = pl.DataFrame({"c": raw}).select(id_expr("c", raw.dtype))["c"]
    every = ids if rejected is None else pl.concat([ids, rejected.cast(pl.String)])
    table = id_map(every, key)
    # the frame's ids are distinct and come first: the table's first rows, in their order
    frame = result.frame.with_columns(table["pseudonym"].head(ids.len()).alias("customer_id"))
    if rejects is not None and rejected is not None and rejects_column:
        rejects = rejects.with_columns(_looked_up(rejected, table).alias(rejects_column))
    return dataclasses.replace(result, frame=frame, rejects_frame=rejects), table


def _looked_up(ids: pl.Series, table: pl.DataFrame) -> pl.Series:
    """``ids`` replaced by their pseudonyms in ``table`` (nulls stay null)."""
    out = ids.cast(pl.String).replace_strict(table["customer_id"], table["pseudonym"],
                                             default=None)  # fmt: skip
    return out.alias(ids.name)
