"""The page headers of a Parquet file, read before its pages are.

Each page of a column chunk starts with a header (Thrift compact encoding) that declares
the page's size on disk and once decompressed; a reader allocates what it declares. A
1 KB file whose Snappy dictionary page declares 2 GB made Polars take 2.1 GB. The footer
tells where each column chunk starts and how long it is; :func:`declared_by_pages` walks
the chunk's page headers (fields 1 to 3 read, the rest skipped) and answers what the
pages declare in all, after checking that each page lies inside the file and expands no
more than :data:`custseg.io.limits.PARQUET_RATIO` times past
:data:`custseg.io.limits.BOMB_FLOOR`. Reading the headers costs a seek and ~50 bytes a
page (a page holds ~1 MB of data).
"""

from __future__ import annotations

from typing import BinaryIO

from custseg.io.limits import BOMB_FLOOR, PARQUET_RATIO, size_text

#: Thrift compact types: fixed sizes, and the nested ones skipped field by field.
_FIXED = {1: 0, 2: 0, 3: 1, 7: 8}  # bool true, bool false, byte, double
_VARINT = (4, 5, 6)  # i16, i32, i64
_BINARY, _LIST, _SET, _MAP, _STRUCT = 8, 9, 10, 11, 12
_DEPTH = 16  # nested structs a page header may hold (a real one: 3)
#: The bytes a page header may take: its statistics hold a page's least and greatest
#: values, which writers cut to ~4 KB.
HEADER_BYTES = 1 << 20


class PageError(ValueError):
    """A page header that cannot be read, or that declares what the file cannot hold."""


def declared_by_pages(fh: BinaryIO, meta, size: int) -> int:
    """The uncompressed bytes the page headers of every column chunk declare in all
    (``meta``: the file's pyarrow metadata, ``size``: its bytes). Raises PageError on a
    header that cannot be read, a page outside the file, or a page expanding like a
    bomb."""
    total = 0
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for c in range(group.num_columns):
            chunk = group.column(c)
            start = chunk.data_page_offset
            if chunk.has_dictionary_page and 0 < chunk.dictionary_page_offset < start:
                start = chunk.dictionary_page_offset
            total += _chunk_pages(fh, start, start + chunk.total_compressed_size, size)
    return total


def _chunk_pages(fh: BinaryIO, start: int, end: int, size: int) -> int:
    """The uncompressed bytes the pages from ``start`` to ``end`` declare."""
    if not 4 <= start < end <= size:
        raise PageError(f"a column chunk at byte {start} is outside the file")
    total, at = 0, start
    while at < end:
        fh.seek(at)
        reader = _Compact(fh, min(size - at, HEADER_BYTES))
        uncompressed, compressed = reader.page_sizes()
        at += reader.used + compressed
        if at > size:
            raise PageError(f"a page declares {size_text(compressed)} past the end of the file")
        if uncompressed > max(BOMB_FLOOR, compressed * PARQUET_RATIO):
            raise PageError(f"a page declares {size_text(uncompressed)} of data in "
                            f"{size_text(compressed)}")  # fmt: skip
        total += uncompressed
    return total


class _Compact:
    """A Thrift compact reader over at most ``left`` bytes of ``fh``."""

    def __init__(self, fh: BinaryIO, left: int):
        self.fh, self.left, self.used = fh, left, 0

    def page_sizes(self) -> tuple[int, int]:
        """(uncompressed, compressed) of a PageHeader (fields 2 and 3, both required), the
        whole header read."""
        sizes: dict[int, int] = {}
        field = 0
        while (head := self._byte()) != 0:
            field = field + (head >> 4) if head >> 4 else _zigzag(self._varint())
            kind = head & 0x0F
            if field in (2, 3) and kind == 5:
                sizes[field] = _zigzag(self._varint())
            else:
                self._skip(kind, 1)
        if 2 not in sizes or 3 not in sizes or min(sizes.values()) < 0:
            raise PageError("a page header with its sizes missing or negative")
        return sizes[2], sizes[3]

    def _read(self, n: int) -> bytes:
        if n > self.left:
            raise PageError("a page header runs past the end of the file, or is too long")
        data = self.fh.read(n)
        if len(data) != n:
            raise PageError("a page header runs past the end of the file")
        self.left, self.used = self.left - n, self.used + n
        return data

    def _byte(self) -> int:
        return self._read(1)[0]

    def _varint(self) -> int:
        value = 0
        for shift in range(0, 70, 7):
            byte = self._byte()
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
        raise PageError("a page header with a number too long")

    def _skip(self, kind: int, depth: int) -> None:
        if depth > _DEPTH:
            raise PageError("a page header nested too deep")
        if kind in _FIXED:
            self._read(_FIXED[kind])
        elif kind in _VARINT:
            self._varint()
        elif kind == _BINARY:
            self._read(self._varint())
        elif kind in (_LIST, _SET):
            head = self._byte()
            count = head >> 4 if head >> 4 != 15 else self._varint()
            for _ in range(count):
                self._element(head & 0x0F, depth)
        elif kind == _MAP:
            count = self._varint()
            types = self._byte() if count else 0
            for _ in range(count):
                self._element(types >> 4, depth)
                self._element(types & 0x0F, depth)
        elif kind == _STRUCT:
            while (head := self._byte()) != 0:
                if not head >> 4:
                    self._varint()  # a long field id
                self._skip(head & 0x0F, depth + 1)
        else:
            raise PageError(f"a page header with an unknown type ({kind})")

    def _element(self, kind: int, depth: int) -> None:
        """One element of a list, set or map: a boolean takes a byte there."""
        if kind in (1, 2):
            self._read(1)
        else:
            self._skip(kind, depth + 1)


def _zigzag(n: int) -> int:
    return (n >> 1) ^ -(n & 1)
