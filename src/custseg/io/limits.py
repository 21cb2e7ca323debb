"""How much memory a run may use, and what an input may declare before it is read.

The readers of packed formats (an ``.xlsx`` zip, a compressed text, a Parquet footer)
are told sizes by the file itself; a hostile or damaged file can declare a cell at
``XFD1048576`` or 2^31 shared strings and make the reader allocate for them (an abort, or
gigabytes for a 3 KB file). These limits are checked before such a reader runs: each is
far beyond any real export and derived from the memory budget where memory is the point.
Lives in ``io`` (the readers need it); :mod:`custseg.engines.budget` re-exports
:func:`memory_budget`.
"""

from __future__ import annotations

from pathlib import Path

#: What Excel itself allows: 1,048,576 rows by 16,384 columns.
EXCEL_ROWS, EXCEL_COLUMNS = 1 << 20, 1 << 14
#: Bytes of memory one cell of a sheet's area costs while read (the reader's dense grid,
#: then a Python object per cell in pandas): a cell at XFD5000 (82M cells) cost 4.7 GB in
#: the reader alone.
BYTES_PER_CELL = 200
#: A sheet's area (rows x columns, from A1 to its farthest cell) may be this many times its
#: cells with a value, plus :data:`SPARSE_FLOOR`: more is a stray far cell, not a table.
SPARSE_RATIO, SPARSE_FLOOR = 64, 4_000_000
#: A zip member (or a compressed input) expanding more than this many times its packed
#: size and past :data:`BOMB_FLOOR` bytes is refused as a decompression bomb (XML of real
#: sheets packs 5-20 times; runs of one repeated byte, ~1000 times).
BOMB_RATIO, BOMB_FLOOR = 200, 64 << 20
#: A Parquet file may declare at most this many uncompressed bytes per byte on disk
#: (dictionary-encoded real columns reach ~20-50) past :data:`BOMB_FLOOR`.
PARQUET_RATIO = 1000


def memory_budget() -> int:
    """Bytes this process may use: the cgroup limit, else the memory available now."""
    for limit in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            value = Path(limit).read_text().strip()
            if value.isdigit() and int(value) < 1 << 50:
                return int(value)
        except OSError:
            pass
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 8 << 30


def size_text(size: float) -> str:
    """``1.5 GB``, ``820 MB``, ``12 KB``: a byte count for messages."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{int(size)} bytes"


def read_small(path: Path, limit: int, error: type[Exception], what: str,
               too_large: str) -> bytes:  # fmt: skip
    """The bytes of ``path``, a small file read whole (a rule table, a cut point file):
    ``error`` naming ``what`` it should hold when it cannot be read, or saying
    ``too_large`` when it holds more than ``limit`` bytes (never read past them)."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(limit + 1)
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror})") from None
    if len(raw) > limit:
        raise error(f"{path}: more than {limit >> 20} MiB; {too_large}")
    return raw
