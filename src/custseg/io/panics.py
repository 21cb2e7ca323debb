"""Polars panics as errors: a Rust panic in a reader (a damaged file can cause one) is a
``PanicException``, a ``BaseException`` that ``except Exception`` lets through, and Rust
prints its backtrace straight to file descriptor 2. :func:`no_panic` turns the one into
an InputFileError and keeps the other off the terminal."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator

import polars as pl

from custseg.errors import InputFileError
from custseg.io.source import first_line


@contextlib.contextmanager
def no_panic(name: str, kind: str) -> Iterator[None]:
    """Turn a Polars panic (a ``BaseException``) into an InputFileError; what Rust prints
    on stderr while the block runs is dropped when it panics, else passed on."""
    with _stderr_held() as held:
        try:
            yield
        except pl.exceptions.PanicException as exc:
            held.drop()
            raise InputFileError(
                f"{name}: cannot be read as {kind}, the file is damaged (the reader failed: "
                f"{first_line(exc)[:120]}); export it again"
            ) from None


class _Held:
    def __init__(self) -> None:
        self.dropped = False

    def drop(self) -> None:
        self.dropped = True


@contextlib.contextmanager
def _stderr_held() -> Iterator[_Held]:
    """File descriptor 2 sent to a temporary file while the block runs (a Rust panic
    writes its backtrace there, below Python), then restored; what was written is copied
    back unless dropped."""
    held = _Held()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to hold
        yield held
        return
    with tempfile.TemporaryFile() as spool:
        os.dup2(spool.fileno(), 2)
        try:
            yield held
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            if not held.dropped:
                spool.seek(0)
                with contextlib.suppress(OSError):
                    os.write(2, spool.read())
