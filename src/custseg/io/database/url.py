"""Database URLs: which inputs are databases, and how they are shown.

A light module (the standard library only): the command line masks a URL before it prints
anything, without importing a driver. A password is never shown: ``postgresql://ann:s3cret@db/
shop`` is shown as ``postgresql://ann:***@db/shop``, and a message a driver wrote is shown
with the password (as written in the URL, and percent-decoded) replaced by ``***``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

#: URL schemes read as databases -> the kind of database (``postgresql+psycopg://``, as
#: SQLAlchemy writes it, counts as ``postgresql://``).
SCHEMES = {"postgresql": "postgresql", "postgres": "postgresql", "mysql": "mysql",
           "mariadb": "mysql", "sqlite": "sqlite"}  # fmt: skip
MASK = "***"
#: Query parameters of a URL that hold a secret.
SECRET_PARAMS = ("password", "passwd", "pwd", "sslpassword", "token", "secret")
# user:password@ in any URL, wherever it stands in a text
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^\s/:@]*:)([^\s/@]+)(@)")
# password=... in a URL's query or a connection string (up to a separator or a bracket)
_QUERY_SECRET = re.compile(r"(?i)\b(" + "|".join(SECRET_PARAMS) + r")=([^&\s'\"),;]+)")


def database_kind(source: object) -> str | None:
    """``postgresql``, ``mysql`` or ``sqlite`` when ``source`` is a database URL, else None."""
    scheme, sep, _ = str(source).partition("://")
    if not sep:
        return None
    return SCHEMES.get(scheme.lower().split("+", 1)[0])


def mask_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with every URL's password, every ``password=...`` and each of ``secrets``
    replaced by :data:`MASK`."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _USERINFO.sub(lambda m: f"{m[1]}{MASK}{m[3]}", text)
    return _QUERY_SECRET.sub(lambda m: f"{m[1]}={MASK}", text)


def mask_url(source: object) -> str:
    """The text of ``source`` with its password masked (a path comes back as it is)."""
    text = str(source)
    return DatabaseUrl.parse(text).shown if database_kind(text) else text


@dataclass(frozen=True)
class DatabaseUrl:
    """A database URL: ``text`` (handed to the driver only), its ``kind``, the secrets it
    holds and ``shown``, the URL as every message shows it."""

    text: str = field(repr=False)
    kind: str
    secrets: tuple[str, ...] = field(default=(), repr=False)

    @classmethod
    def parse(cls, text: str) -> DatabaseUrl:
        kind = database_kind(text)
        if kind is None:
            raise ValueError(f"not a database URL: {mask_text(text)}")
        parts = urlsplit(text)
        found = [parts.password or ""]
        found += [v for k, v in parse_qsl(parts.query) if k.lower() in SECRET_PARAMS]
        secrets = {s for v in found if v for s in (v, unquote(v))}
        return cls(text, kind, tuple(secrets))

    @property
    def shown(self) -> str:
        return self.mask(self.text)

    def mask(self, message: str) -> str:
        """``message`` (a driver's) with this URL's secrets masked."""
        return mask_text(message, self.secrets)

    @property
    def sqlite_path(self) -> Path:
        """The file of a ``sqlite:///file.db`` URL (``sqlite:////abs/file.db``: absolute)."""
        rest = self.text.partition("://")[2]
        path = rest[1:] if rest.startswith("/") else rest  # sqlite:///x: x; sqlite:////x: /x
        return Path(unquote(path.split("?", 1)[0]))

    @property
    def driver_url(self) -> str:
        """The URL as the driver takes it: the SQLAlchemy-style ``+driver`` dropped,
        ``postgres://`` and ``mariadb://`` as ``postgresql://`` and ``mysql://``."""
        rest = self.text.partition("://")[2]
        return f"{self.kind}://{rest}"
