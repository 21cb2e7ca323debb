"""How much memory a run may use, and whether a file needs the partitioned engine (a
light module: deciding must not import the partitioned engine's modules)."""

from __future__ import annotations

from pathlib import Path

from custseg.io.limits import memory_budget
from custseg.io.source import Source

__all__ = ["MEMORY_PER_BYTE", "memory_budget", "needs_chunks"]

#: The in-memory engine peaks at about this many times the CSV's size.
MEMORY_PER_BYTE = 4.0


def needs_chunks(source: str | Path, budget: int) -> bool:
    """Whether the in-memory engine would likely pass ``budget`` bytes on this file.

    A compressed file counts with its expanded size, measured by decompressing it in
    blocks up to what fits (a 134 KB ``.bz2`` can expand to 1 GB): the cost is one more
    decompression of a file that fits (~0.1 s for a 50 MB ``.gz``), none past the limit.
    A file that fails to decompress is left to the reader, which names the problem."""
    path = Path(source)
    if str(source) == "-" or not path.is_file():
        return False
    fits = budget / MEMORY_PER_BYTE
    if path.stat().st_size > fits:
        return True
    src = Source(str(path), path=path)
    return src.compression is not None and src.expanded_size(cap=int(fits) + 1) > fits
