"""Parameter types of the command line; the choices its options offer come from
:mod:`custseg.schema` (a module without imports: ``custseg --help`` stays fast)."""

from __future__ import annotations

import datetime as dt
import math

import click

from custseg.schema import BUILTIN_SCHEMES, FORMATS, RETURNS_MODES, SCORING_METHODS

#: The option of each core parameter an error may name (:func:`custseg.errors.param`).
OPTIONS = {
    "as_of": "--as-of",
    "window": "--window",
    "p_alive": "--p-alive",
    "by": "--by",
    "bins": "--bins",
    "chunked": "--chunked",
    "engine": "--engine",
    "spark_master": "--spark-master",
    "encoding": "--encoding",
    "format": "--format",
    "scoring": "--scoring",
    "strict": "--strict",
    "platform": "--platform",
    "decimal": "--decimal",
    "tz": "--tz",
    "cancel_status": "--cancel-status",
    "header_row": "--header-row",
    "no_header": "--no-header",
    "output": "-o",
    "model": "--model",
    "calibration_end": "--calibration-end",
    "discount": "--discount",
    "margin": "--margin",
    "rejects": "--rejects",
    "rejects_all_columns": "--rejects-all-columns",
    "audience_hash": "--audience-hash",
    "audience_platform": "--audience-platform",
    "country_code": "--country-code",
    "pseudonymize": "--pseudonymize",
    "pseudonym_map": "--pseudonym-map",
    "table": "--table",
    "query": "--query",
    "memory_limit": "--memory-limit",
    "k": "--k",
    "features": "--features",
    "on": "--on",
    "seed": "--seed",
    "thresholds": "--thresholds",
    "edges.recency_days": "--r-edges",
    "edges.frequency": "--f-edges",
    "edges.monetary": "--m-edges",
    **{
        f"columns.{role}": f"--{role}-col"
        for role in ("customer", "order", "date", "amount", "quantity", "price", "status")
    },  # fmt: skip
    "columns.after_sale": "--after-sale-col",
    "columns.refunded": "--refunded-col",
}

__all__ = ["OPTIONS", "BUILTIN_SCHEMES", "FORMATS", "RETURNS_MODES", "SCORING_METHODS", "AsOfDate",
           "ByteSize", "NumberList"]  # fmt: skip


class AsOfDate(click.ParamType):
    """``YYYY-MM-DD`` or ``today``."""

    name = "DATE"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        if str(value).lower() == "today":
            return dt.date.today()
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date; use YYYY-MM-DD or 'today'", param, ctx)


class ByteSize(click.ParamType):
    """``3G``, ``500M``, ``2048K`` or bytes."""

    name = "SIZE"
    _UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}

    def convert(self, value, param, ctx):
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        text = str(value).strip().upper().removesuffix("B").removesuffix("I")
        unit = text[-1:] if text[-1:] in self._UNITS else ""
        try:
            number = float(text[: len(text) - len(unit)])
        except ValueError:
            self.fail(f"{value!r} is not a size; write e.g. 3G or 500M", param, ctx)
        size = number * self._UNITS[unit]
        if not math.isfinite(size) or size < 1:
            self.fail(f"{value!r} is not a size above zero; write e.g. 3G or 500M", param, ctx)
        return int(size)


class NumberList(click.ParamType):
    """Comma-separated numbers, e.g. ``30,90,180,365``."""

    name = "N,N,..."

    def convert(self, value, param, ctx):
        if isinstance(value, list):
            return value
        try:
            return [float(x) for x in str(value).split(",") if x.strip()]
        except ValueError:
            self.fail(f"{value!r} is not a comma-separated list of numbers", param, ctx)


class TimeZone(click.ParamType):
    """An IANA time zone name (``Asia/Shanghai``, ``UTC``)."""

    name = "zone"

    def convert(self, value, param, ctx):
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(str(value))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.fail(f"{value!r} is not a time zone; use a name like Asia/Shanghai or "
                      f"America/New_York", param, ctx)  # fmt: skip
        return str(value)


class Horizon(click.ParamType):
    """A horizon: a number and a unit, ``90d``, ``12w``, ``6m``, ``1y``."""

    name = "SPAN"
    what = "horizon"  # how the errors name it

    def convert(self, value, param, ctx):
        from custseg.errors import CustsegError
        from custseg.predict.units import horizon_days

        try:
            horizon_days(value, self.what)
        except CustsegError as exc:
            self.fail(str(exc), param, ctx)
        return str(value).strip()


class Window(Horizon):
    """A backtest's window: a horizon (``90d``, ``12w``, ``3m``) named as a window."""

    what = "window"


class Days(click.ParamType):
    """A span in whole days: ``30d``, ``4w`` or a number of days (``30``)."""

    name = "DAYS"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        text = str(value).strip().lower()
        scale = {"d": 1, "w": 7}.get(text[-1:], 0)
        number = text[:-1] if scale else text
        if number.isdigit() and int(number) > 0:
            return int(number) * (scale or 1)
        self.fail(f"{value!r} is not a span in days: write 30d, 4w or 30", param, ctx)
