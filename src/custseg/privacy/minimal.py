"""Minimal outputs: of an input's columns, only those custseg uses reach an output.

The used columns are the roles' (customer, order, date, amount, quantity, price, statuses,
refunded amount: :attr:`custseg.orders.accounting.LoadReport.columns`) and the ``--by``
column. ``--rejects`` writes the line, the reason and those columns of each row left out;
every column only when asked (``--rejects-all-columns``), and then the ones that look
personal are named (:mod:`custseg.privacy.personal`).
"""

from __future__ import annotations

import contextlib

import polars as pl

from custseg.errors import ColumnError
from custseg.privacy.personal import personal_columns

#: The columns of ``--rejects`` custseg adds before the input's own.
REJECT_COLUMNS = ("line", "reason")


def used_columns(columns: list[str], roles: dict[str, str], by: str | None = None) -> list[str]:
    """The columns of ``columns`` that custseg uses, in their order: those ``roles`` (role
    -> column) name, and the ``by`` column (found as ``--by`` finds it)."""
    wanted = set(roles.values())
    if by:
        from custseg.orders.columns import find_column

        with contextlib.suppress(ColumnError):  # --by names no column: the run said so
            wanted.add(find_column(by, [c for c in columns if c not in REJECT_COLUMNS]))
    return [c for c in columns if c in wanted and c not in REJECT_COLUMNS]


def personal_extra_columns(rejects: pl.DataFrame, used: list[str]) -> dict[str, str]:
    """The columns of ``rejects`` beyond the line, the reason and ``used`` that look
    personal, each with why (:func:`custseg.privacy.personal.personal_columns`)."""
    return personal_columns(rejects, skip=(*REJECT_COLUMNS, *used))
