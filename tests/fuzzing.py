"""The fuzzing harness: small order files in every input format, mutated, fed to the CLI and
the Python API. Used by ``tests/test_fuzz.py`` (bounded, in CI) and ``scripts/fuzz.py`` (a
longer campaign, outside CI).

A run passes when the CLI ends with exit 0, 1 or 2 and prints no traceback, and the API either
returns or raises a :class:`custseg.errors.CustsegError`.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import shutil
import tempfile
import traceback
import zipfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from click.testing import CliRunner

HERE = Path(__file__).parent
SAMPLE = HERE.parent / "data" / "sample_orders.csv"
PLATFORMS = HERE / "fixtures" / "platforms"

#: Text a mutation may put in a field: values that have broken readers before.
TOKENS = (
    b"nan", b"inf", b"-inf", b"1e400", b"9999-12-31", b"0000-00-00", b"19-03-05", b'"', b'""',
    b",", b";", b"\t", b"\r", b"\n", b"\x00", b"\xff\xfe", b"\xe4\xb8", b"=cmd|' /C calc'!A0",
    b"\x1b[31m", b"[bold]x[/]", b"<script>", b"-", b"", b" ", b"\xef\xbb\xbf", b"3.51235E+18",
    "１２３".encode(), "交易关闭".encode(), "无售后或售后取消".encode(), "匿名".encode(), b"0",
)  # fmt: skip


def seed_texts() -> dict[str, bytes]:
    """Small CSV seeds: the sample's head and a few platform-shaped exports' heads."""
    seeds = {"sample": b"".join(SAMPLE.read_bytes().splitlines(keepends=True)[:40])}
    names = ("taobao/orders.csv", "jd/orders.csv", "shopify/orders_export.csv",
             "pinduoduo/orders.csv", "youzan/orders.csv", "generic/decimal_comma.csv")  # fmt: skip
    for name in names:
        path = PLATFORMS / name
        if path.exists():
            seeds[name] = b"".join(path.read_bytes().splitlines(keepends=True)[:25])
    return seeds


def mutate(data: bytes, edits: list[tuple[int, int, int]]) -> bytes:
    """``data`` changed by ``edits`` (kind, position, value): 0 flips a byte, 1 inserts a
    token, 2 deletes a slice, 3 truncates, 4 duplicates a slice, 5 replaces a field's text
    with a token."""
    out = bytearray(data)
    for kind, pos, value in edits:
        if not out:
            break
        at = pos % len(out)
        if kind == 0:
            out[at] = (out[at] + value % 255 + 1) % 256
        elif kind == 1:
            out[at:at] = TOKENS[value % len(TOKENS)]
        elif kind == 2:
            del out[at : at + 1 + value % 40]
        elif kind == 3:
            del out[max(1, at) :]
        elif kind == 4:
            out[at:at] = out[at : at + 1 + value % 200]
        else:
            end = min((out.find(b, at) for b in (b",", b"\n") if out.find(b, at) >= 0),
                      default=len(out))  # fmt: skip
            out[at:end] = TOKENS[value % len(TOKENS)]
    return bytes(out)


FORMATS = ("csv", "tsv", "gbk", "gz", "bz2", "xz", "zip", "xlsx", "parquet", "jsonl")


def as_format(text: bytes, fmt: str, folder: Path, name: str = "orders") -> Path:
    """Write the (possibly broken) CSV ``text`` as an input of format ``fmt``: text forms
    get the bytes themselves (compressed when asked); table forms (xlsx, parquet, jsonl)
    are written from what a lenient reader makes of the text, then their bytes mutated by
    the caller if it wishes."""
    folder.mkdir(parents=True, exist_ok=True)
    if fmt in ("csv", "tsv", "gbk"):
        data = text.replace(b",", b"\t") if fmt == "tsv" else text
        if fmt == "gbk":
            data = data.decode("utf-8", errors="replace").encode("gb18030", errors="replace")
        path = folder / f"{name}.{'tsv' if fmt == 'tsv' else 'csv'}"
        path.write_bytes(data)
        return path
    if fmt in ("gz", "bz2", "xz"):
        pack = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}[fmt]
        path = folder / f"{name}.csv.{fmt}"
        path.write_bytes(pack(text))
        return path
    if fmt == "zip":
        path = folder / f"{name}.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(f"{name}.csv", text)
        return path
    frame = _lenient(text)
    path = folder / f"{name}.{fmt}"
    if fmt == "xlsx":
        frame.write_excel(path)
    elif fmt == "parquet":
        frame.write_parquet(path)
    else:
        frame.write_ndjson(path)
    return path


def _lenient(text: bytes) -> pl.DataFrame:
    try:
        return pl.read_csv(io.BytesIO(text), infer_schema=False, truncate_ragged_lines=True,
                           ignore_errors=True, encoding="utf8-lossy")  # fmt: skip
    except Exception:  # noqa: BLE001 - a seed too broken to be a table: a one-cell table
        return pl.DataFrame({"customer_id": [text[:50].decode("utf-8", "replace")]})


@dataclass
class Outcome:
    """What one run did: ``ok`` False names the failure in ``problem``."""

    ok: bool
    problem: str = ""


def run_cli(path: Path, extra: tuple[str, ...] = ()) -> Outcome:
    from custseg.cli import main

    out = path.parent / "out.csv"
    result = CliRunner().invoke(main, ["rfm", str(path), "-q", "-o", str(out), *extra])
    text = result.output
    if result.exit_code not in (0, 1, 2):
        return Outcome(False, f"exit {result.exit_code}: {_describe(result)}")
    if "Traceback" in text or (result.exception and not isinstance(result.exception,
                                                                   SystemExit)):  # fmt: skip
        return Outcome(False, f"traceback: {_describe(result)}")
    return Outcome(True)


def run_api(path: Path) -> Outcome:
    import custseg
    from custseg.errors import CustsegError

    try:
        custseg.run_rfm(path)
    except CustsegError:
        pass
    except Exception as exc:  # noqa: BLE001 - what the fuzzing looks for
        return Outcome(False, f"{type(exc).__name__}: {exc}"[:300])
    return Outcome(True)


def run_case(text: bytes, fmt: str, edits: list[tuple[int, int, int]], after: bool) -> str:
    """One fuzzing case: ``text`` (a seed) mutated by ``edits`` then written in ``fmt``, or
    written then its bytes mutated (``after``), run through the CLI in memory and in parts
    and the API; the first problem found ('' when it passed)."""
    folder = Path(tempfile.mkdtemp(prefix="custseg-fuzz-"))
    try:
        path = as_format(text if after else mutate(text, edits), fmt, folder)
        if after:
            path.write_bytes(mutate(path.read_bytes(), edits))
        for outcome in (run_cli(path), run_cli(path, ("--chunked", "--memory-limit", "4K")),
                        run_api(path)):  # fmt: skip
            if not outcome.ok:
                return outcome.problem
        return ""
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _describe(result) -> str:
    if result.exc_info and result.exception and not isinstance(result.exception, SystemExit):
        return "".join(traceback.format_exception(*result.exc_info))[-1500:]
    return result.output[-500:]
