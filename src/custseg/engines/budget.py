"""How much memory a run may use, and whether a file needs the partitioned engine (a
light module: deciding must not import the partitioned engine's modules)."""

from __future__ import annotations

from pathlib import Path

#: The in-memory engine peaks at about this many times the CSV's size.
MEMORY_PER_BYTE = 4.0


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


def needs_chunks(source: str | Path, budget: int) -> bool:
    """Whether the in-memory engine would likely pass ``budget`` bytes on this file."""
    path = Path(source)
    return str(source) != "-" and path.is_file() and path.stat().st_size * MEMORY_PER_BYTE > budget
