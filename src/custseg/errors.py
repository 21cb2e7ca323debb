"""The one exception hierarchy of custseg.

Every error a user can cause is a :class:`CustsegError` whose message names the
problem (file, column, line, rule entry) and the fix. The CLI prints it as
``Error: <message>`` on stderr and exits 1; it never shows a traceback.
"""

from __future__ import annotations


class CustsegError(Exception):
    """Base class for errors caused by input data, files or options."""


class InputFileError(CustsegError):
    """The input file is missing, unreadable, empty or in an unknown format."""


class ColumnError(CustsegError):
    """A required column is missing or ambiguous."""


class DataError(CustsegError):
    """Rows could not be used (nothing left after cleaning, or strict mode)."""


class NoCustomersError(DataError):
    """No customer has a purchase to score (none on or before the as-of date)."""


class RulesError(CustsegError):
    """A rule table is malformed."""


class OutputError(CustsegError):
    """An output file cannot be written."""


class ModelError(CustsegError):
    """A predictive model cannot be fitted or used (no convergence, undefined mean spend,
    a model without the data it is asked about)."""


def param(name: str) -> str:
    """How an error names a parameter of the Python API: `` `name` `` (``bins``, ``as_of``,
    ``columns.amount`` for the ``"amount"`` key of ``columns``). The command line shows
    the option instead (:func:`with_options`)."""
    return f"`{name}`"


def with_options(message: str, options: dict[str, str]) -> str:
    """``message`` with each parameter :func:`param` named replaced by its command-line
    option, when ``options`` (parameter -> option) has it."""
    import re

    return re.sub(r"`([a-z_.]+)`", lambda m: options.get(m[1], m[0]), message)
