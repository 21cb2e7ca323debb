"""Files replaced whole, and the checks every output path passes before any is replaced.

A file is written to a temporary name beside its target, ``.NAME.custseg-tmp-PID-RANDOM``
(a folder of scratch files, e.g. the spreadsheet writer's, adds ``.d``), and renamed over the
target once complete. A run that is killed leaves that name behind; the next run writing the
same target removes it when the process that made it is gone, or when it is older than
:data:`STALE_SECONDS` (a process id may have been reused, or the file came from another host).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from pathlib import Path

from custseg.errors import OutputError, param

#: What marks a temporary name of custseg: ``.NAME`` + this + ``PID-RANDOM``.
TMP_MARK = ".custseg-tmp-"
#: A temporary file this old is removed even when its process id is alive (6 hours).
STALE_SECONDS = 6 * 3600
_TAIL = re.compile(r"(\d+)-[0-9a-f]{8}(?:\.d)?")
#: Whether the files written now are owner-only (:func:`owner_only`).
_PRIVATE: ContextVar[bool] = ContextVar("custseg_private_files", default=False)
OWNER_ONLY = 0o600


@contextlib.contextmanager
def owner_only(private: bool = True) -> Iterator[None]:
    """Within it, every file :func:`atomic_path` writes is owner-only (0600), from its
    creation to its rename (``--private``; the pseudonym map always)."""
    token = _PRIVATE.set(private)
    try:
        yield
    finally:
        _PRIVATE.reset(token)


def set_owner_only(private: bool) -> None:
    """Make the files written from now on in this context owner-only, or not: the command
    line's ``--private``, set once per command (:func:`custseg.cli.output.handle_errors`
    restores the default after it)."""
    _PRIVATE.set(private)


def private_files() -> bool:
    """Whether the files written now are owner-only."""
    return _PRIVATE.get()


def temp_name(target: Path) -> Path:
    """A new temporary name beside ``target``: ``.NAME.custseg-tmp-PID-RANDOM``."""
    return target.parent / f".{target.name}{TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}"


def remove_stale(target: Path, now: float | None = None) -> list[Path]:
    """Remove the temporary files (and scratch folders) a killed run left beside ``target``:
    only names of the form ``.NAME.custseg-tmp-PID-RANDOM[.d]`` whose process is gone or
    that are older than :data:`STALE_SECONDS`. Returns what was removed; what cannot be
    removed is left alone."""
    prefix = f".{target.name}{TMP_MARK}"
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        entries = [e for e in os.scandir(target.parent) if e.name.startswith(prefix)]
    except OSError:
        return removed
    for entry in entries:
        match = _TAIL.fullmatch(entry.name[len(prefix) :])
        if match is None or not _stale(entry, int(match[1]), now):
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


def _stale(entry: os.DirEntry, pid: int, now: float) -> bool:
    try:
        age = now - entry.stat(follow_symlinks=False).st_mtime
    except OSError:
        return False
    return age > STALE_SECONDS or not _alive(pid)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (on this host); unknown (not POSIX): taken as alive."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


@contextlib.contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """Yield a temporary file name beside ``path``; rename it to ``path`` on success.

    A crash, an error or a kill before the rename leaves no file at ``path`` (and a
    temporary name the next run removes: :func:`remove_stale`). A ``path`` that is not a
    regular file (``/dev/null``, ``/dev/stdout``, a named pipe) is written to directly:
    replacing it would put a file where the device was. An OSError while writing becomes
    an :class:`OutputError` naming ``path``.
    """
    target = Path(path)
    if target.exists() and not target.is_file():
        if target.is_dir():
            raise OutputError(f"{path}: is a folder; name a file")
        try:
            yield path
        except OSError as exc:
            raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
        return
    if not target.parent.is_dir():
        raise OutputError(f"{path}: folder {target.parent} does not exist; create it first")
    remove_stale(target)
    tmp = temp_name(target)
    try:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
    try:
        yield str(tmp)
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _mode_for(target: Path) -> int:
    """The permissions a new file would get (the temporary one is owner-only), or the old
    file's; owner-only inside :func:`owner_only`."""
    if _PRIVATE.get():
        return OWNER_ONLY
    if target.exists():
        return target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def check_outputs(outputs: Mapping[str, str | None], inputs: Sequence[str | None]) -> None:
    """Check every output path before any file is written: its folder exists and is
    writable, it is no folder, it is none of ``inputs`` (the same file by another name,
    a symbolic or a hard link, counts), and no two outputs name one file.

    ``outputs`` maps a parameter name (``output``, ``rejects``, ``thresholds``) to a path
    (``-`` or None: none to check). Raises OutputError naming the parameter and the fix.
    """
    seen: dict[str, str] = {}
    for name, path in outputs.items():
        if not path or path == "-":
            continue
        _check_output(name, path, inputs)
        key = os.path.realpath(path)
        if key in seen:
            raise OutputError(
                f"{path}: {param(seen[key])} and {param(name)} name the same file; "
                f"give each its own"
            )
        seen[key] = name


def _check_output(name: str, path: str, inputs: Sequence[str | None]) -> None:
    target = Path(path)
    for source in inputs:
        if source and source != "-" and _same_file(target, source):
            raise OutputError(
                f"{path}: {param(name)} names the input file {source}; writing it would "
                f"destroy the input: write to another file"
            )
    if target.is_dir():
        raise OutputError(f"{path}: {param(name)} names a folder; name a file")
    if target.exists() and not target.is_file():
        return  # a device or a pipe, written to directly
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"{path}: folder {folder} does not exist; create it first")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: folder {folder} is not writable; write somewhere else")


def _same_file(target: Path, source: str) -> bool:
    try:
        return os.path.samefile(target, source)
    except (OSError, ValueError):
        return False
