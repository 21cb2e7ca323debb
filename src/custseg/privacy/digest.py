"""Hex digests of text values: each distinct value hashed once with :mod:`hashlib`, the
result spread back over the values.

Neither Polars nor pyarrow hashes text with SHA-256, MD5 or HMAC (their hashes are not
cryptographic), so the distinct values go through hashlib one by one: the one loop over
values in custseg, bounded by the distinct values (customers), and measured in the README
(Privacy): about 1 s per million ids.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

import polars as pl

#: The digests offered for audience lists (``--audience-hash``).
ALGORITHMS = ("sha256", "md5")


def hexdigests(values: pl.Series, digest: Callable[[bytes], str]) -> pl.Series:
    """``digest(value as UTF-8)`` of each value of ``values`` (text; nulls stay null), each
    distinct value computed once."""
    distinct = values.drop_nulls().unique()
    hashed = pl.Series([digest(v.encode("utf-8")) for v in distinct.to_list()], dtype=pl.String)
    return values.replace_strict(distinct, hashed, default=None, return_dtype=pl.String)


def plain(algorithm: str) -> Callable[[bytes], str]:
    """The lower-case hex digest of ``algorithm`` (``sha256``, ``md5``)."""
    new = getattr(hashlib, algorithm)
    return lambda data: new(data).hexdigest()


def keyed(key: bytes, length: int) -> Callable[[bytes], str]:
    """HMAC-SHA256 under ``key``, its hex digest cut to ``length`` characters. The keyed
    state is made once and copied for each value (a third faster than a new HMAC each)."""
    base = hmac.new(key, digestmod=hashlib.sha256)

    def digest(data: bytes) -> str:
        mac = base.copy()
        mac.update(data)
        return mac.hexdigest()[:length]

    return digest
