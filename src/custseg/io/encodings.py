"""Which text encoding a file is in: UTF-8 (with or without BOM), UTF-16 (with BOM),
GB18030 (Chinese exports) or Windows-1252 (Western exports, such as the widespread copy
of UCI Online Retail), and the errors that name the line of a byte that does not fit.

GB18030 decodes almost any bytes, Latin text included (``Crème`` reads as ``Cr`` and a
Chinese character): it is chosen only when it is plausible, its characters mostly Chinese
and its bytes in pairs; Windows-1252 when the bytes above 0x7F stand alone between ASCII
ones, as accented letters and ``£`` do.
"""

from __future__ import annotations

import codecs
import re

from custseg.errors import InputFileError, param

UTF8_BOM = b"\xef\xbb\xbf"
_HIGH_RUN = re.compile(rb"[\x80-\xff]+")
#: CJK punctuation, ideographs (with extension A), full-width forms
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
_NAMES = {"utf-8": "UTF-8", "gb18030": "GB18030", "cp1252": "Windows-1252",
          "iso8859-1": "Latin-1", "utf-16": "UTF-16"}  # fmt: skip
BLOCK = 1 << 20  # the blocks a file is scanned in for a bad byte


def guess_encoding(head: bytes) -> str | None:
    """The encoding of a text whose first bytes are ``head``: ``utf-8-sig``, ``utf-16``,
    ``utf-8``, ``gb18030`` or ``cp1252``/``latin-1``; None when it is not UTF-8 and
    neither GB18030 nor Windows-1252 is more plausible than the other."""
    if head.startswith(UTF8_BOM):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"  # a character cut by the end of the sample
    return legacy_encoding(head)


def legacy_encoding(sample: bytes) -> str | None:
    """``gb18030`` or ``cp1252`` (``latin-1`` when a byte is undefined in Windows-1252)
    for a sample of non-UTF-8 text, or None when neither is plausible or both are."""
    runs = _HIGH_RUN.findall(sample)
    if not runs:
        return None
    alone = sum(len(run) == 1 for run in runs)
    text = sample.decode("gb18030", errors="replace")
    wide = sum(ord(c) > 0x7F for c in text) - text.count("\ufffd")  # bad bytes aside
    cjk = len(_CJK.findall(text))
    chinese = cjk > 0 and cjk >= 0.9 * wide
    gb = chinese and alone <= 0.2 * len(runs)
    latin = alone >= 0.5 * len(runs)
    if gb and not latin:
        return "gb18030"
    if latin and not gb:
        return "cp1252" if _decodes(sample, "cp1252") else "latin-1"
    return None


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def label(encoding: str) -> str:
    """The usual name of an encoding in messages."""
    return _NAMES.get(codecs.lookup(encoding).name, encoding)


def undecided(name: str, where: str = "") -> InputFileError:
    """The error of a file whose encoding cannot be told."""
    return InputFileError(
        f"{name}: the text encoding cannot be told{where} (not UTF-8; GB18030 or "
        f"Windows-1252?); pass it with {param('encoding')} gb18030 (Chinese) or "
        f"{param('encoding')} cp1252 (Western)"
    )


def find_bad_byte(fh, encoding: str) -> tuple[int, int, bytes] | None:
    """The first byte of the binary file ``fh`` that does not decode in ``encoding``:
    (its offset, its 1-based line, the bytes from it on, up to 64 KiB), or None."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset, newlines = 0, 0
    while True:
        block = fh.read(BLOCK)
        pending = decoder.getstate()[0]
        try:
            decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            start = exc.start - len(pending)  # in ``block``; pending bytes hold no line end
            if start < 0:  # the bad bytes began in the block before (or end the file)
                rest = (pending[start:] + block + fh.read(1 << 16))[: 1 << 16]
                return offset + start, newlines + 1, rest
            rest = (block[start:] + fh.read(1 << 16))[: 1 << 16]
            return offset + start, newlines + block[:start].count(b"\n") + 1, rest
        if not block:
            return None
        offset += len(block)
        newlines += block.count(b"\n")


def bad_byte_error(name: str, encoding: str, line: int, rest: bytes) -> InputFileError:
    """The error of a byte on ``line`` that is not text in ``encoding``; ``rest`` (the
    bytes from it on) suggests the right encoding."""
    other = legacy_encoding(rest)
    if other in (None, codecs.lookup(encoding).name):
        fix = f"{param('encoding')} gb18030 (Chinese) or {param('encoding')} cp1252 (Western)"
    else:
        fix = f"{param('encoding')} {other}"
    return InputFileError(
        f"{name}: line {line} is not {label(encoding)} text (byte 0x{rest[:1].hex().upper()}); "
        f"pass the file's encoding, e.g. {fix}"
    )
