"""The privacy options: what of the customers may leave custseg, and how.

Two groups. :data:`PRIVACY` joins the loader's options (every command that reads orders):
``--pseudonymize`` (key from ``CUSTSEG_PSEUDONYM_KEY`` or ``--pseudonym-key-file``, never
the command line), ``--pseudonym-map``, ``--private`` and ``--rejects-all-columns``; they
become a :class:`Privacy` on the :class:`custseg.cli.options.Loader`, applied once, where
the run's result becomes outputs (:func:`apply_privacy`, called by
:func:`custseg.cli.progress.run_with_progress`): every export, list, summary, report and
``--rejects`` of every command then sees the pseudonyms. :data:`AUDIENCE` joins the output
options of the commands with ``--ids-only``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from custseg.cli.options import Loader
    from custseg.engines.run import RfmResult
    from custseg.privacy.audience import AudienceSpec

#: The environment variable that holds the pseudonym key.
KEY_VARIABLE = "CUSTSEG_PSEUDONYM_KEY"
#: The ad platforms of ``--audience-platform`` (:data:`custseg.privacy.audience.AD_PLATFORMS`,
#: named here so that ``--help`` does not import Polars).
AD_PLATFORM_NAMES = ("google", "meta", "tiktok", "tencent", "oceanengine")


@dataclass(frozen=True)
class Privacy:
    """What the privacy options ask: ``key`` the pseudonym key (None: ids as they are),
    ``map_path`` where the id <-> pseudonym table goes, ``private`` owner-only files,
    ``rejects_all_columns`` every column of the rows left out."""

    key: bytes | None = None
    map_path: str | None = None
    private: bool = False
    rejects_all_columns: bool = False

    @property
    def pseudonymize(self) -> bool:
        return self.key is not None


def privacy(*, pseudonymize: bool, pseudonym_key_file: str | None, pseudonym_map: str | None,
            private: bool, rejects_all_columns: bool, rejects: str | None) -> Privacy:  # fmt: skip
    """The :class:`Privacy` of the options; usage errors (exit 2) for options that need
    another, and a missing or short key. ``--private`` takes effect here, for the command."""
    from custseg.io.atomic import set_owner_only

    if not pseudonymize and (pseudonym_key_file or pseudonym_map):
        given = "--pseudonym-key-file" if pseudonym_key_file else "--pseudonym-map"
        raise click.UsageError(f"{given} is for --pseudonymize; add it")
    if rejects_all_columns and not rejects:
        raise click.UsageError("--rejects-all-columns is for --rejects FILE; add it")
    key = _key(pseudonym_key_file) if pseudonymize else None
    set_owner_only(private)
    return Privacy(key, pseudonym_map, private, rejects_all_columns)


def _key(path: str | None) -> bytes:
    """The pseudonym key: the file's bytes (a final line end dropped), else the
    environment variable's; at least :data:`custseg.privacy.pseudonyms.MIN_KEY` bytes."""
    from custseg.privacy.pseudonyms import MIN_KEY

    if path:
        try:
            with open(path, "rb") as fh:
                key, where = fh.read().rstrip(b"\r\n"), path
        except OSError as exc:
            raise click.BadParameter(f"{path}: cannot read it ({exc.strerror})",
                                     param_hint="--pseudonym-key-file") from None  # fmt: skip
    else:
        key, where = os.environ.get(KEY_VARIABLE, "").encode("utf-8"), KEY_VARIABLE
        if not key:
            raise click.UsageError(f"--pseudonymize needs a key: set {KEY_VARIABLE}, or "
                                   f"give --pseudonym-key-file FILE (never on the command "
                                   f"line, where other users see it)")  # fmt: skip
    if len(key) < MIN_KEY:
        raise click.UsageError(
            f"the pseudonym key in {where} has {len(key)} bytes; use at least {MIN_KEY} "
            f"random ones (e.g. 'openssl rand -hex 32')"
        )
    return key


PRIVACY = [
    click.option(
        "--pseudonymize",
        is_flag=True,
        help="Replace each customer id in every output (files, lists, --rejects, report, "
        "JSON, screen) by a pseudonym: HMAC-SHA256 of the id under your key, 16 hex "
        "characters, the same for the same key in every run (collision odds about n²/2^65: "
        "3 in 100 million for 1M customers; a collision stops the run). The key comes "
        f"from {KEY_VARIABLE} or --pseudonym-key-file, never the command line.",
    ),
    click.option(
        "--pseudonym-key-file",
        metavar="FILE",
        help="Read the pseudonym key from FILE (at least 16 bytes; a final line end is "
        f"dropped) instead of {KEY_VARIABLE}.",
    ),
    click.option(
        "--pseudonym-map",
        metavar="FILE",
        help="With --pseudonymize: also write the customer_id <-> pseudonym table to FILE "
        "(CSV, or by suffix), owner-only (0600).",
    ),
    click.option(
        "--private",
        is_flag=True,
        help="Write every output file owner-only (0600), from its temporary name to its rename.",
    ),
    click.option(
        "--rejects-all-columns",
        is_flag=True,
        help="With --rejects: write every column of the rows left out, not only the line, "
        "the reason and the columns custseg uses; warns when some look personal (names, "
        "phones, addresses, emails, ID numbers).",
    ),
]


def check_privacy_paths(file: str, load: Loader) -> None:
    """Before any work: the pseudonym map's path can be written and is not the input."""
    if load.privacy.map_path:
        from custseg.io.atomic import check_outputs

        check_outputs({"pseudonym_map": load.privacy.map_path}, [file])


def apply_privacy(result: RfmResult, load: Loader) -> RfmResult:
    """The run's ``result`` as outputs may show it: the rows left out reduced to the
    columns used (unless ``--rejects-all-columns``, then a warning naming the columns that
    look personal), the customer ids pseudonymized (and the map written) with
    ``--pseudonymize``."""
    result = _minimal_rejects(result, load)
    if not load.privacy.pseudonymize:
        return result
    from custseg.privacy.pseudonyms import pseudonymize_result

    assert load.privacy.key is not None
    customer = result.report.columns.get("customer")
    result, table = pseudonymize_result(result, load.privacy.key, customer)
    _hide_ids_in_warnings(result.report)
    if load.privacy.map_path:
        from custseg.io.atomic import owner_only
        from custseg.io.writers import format_for, write_frame

        with owner_only():
            write_frame(table, load.privacy.map_path, format_for(load.privacy.map_path))
    return result


def _hide_ids_in_warnings(report) -> None:
    """A warning that quotes a customer id (``mangled_customers``) quotes its shape instead
    (``9.99999a+99``): with --pseudonymize no id is shown anywhere."""
    import polars as pl

    from custseg.notes import Note
    from custseg.privacy.masked import shapes

    for i, warning in enumerate(report.warnings):
        if getattr(warning, "key", None) == "mangled_customers":
            like = pl.select(shapes(pl.lit(str(warning.values["like"])))).item()
            report.warnings[i] = Note("mangled_customers", like=like)


def _minimal_rejects(result: RfmResult, load: Loader) -> RfmResult:
    import dataclasses

    from custseg.notes import Note
    from custseg.privacy.minimal import personal_extra_columns, used_columns

    rejects = result.rejects_frame
    if rejects is None:
        return result
    used = used_columns(rejects.columns, result.report.columns, load.options.by)
    if load.privacy.rejects_all_columns:
        personal = personal_extra_columns(rejects, used)
        if personal:
            shown = ", ".join(f"{name!r} ({why})" for name, why in personal.items())
            result.report.warnings.append(Note("rejects_personal", columns=shown))
        return result
    keep = ["line", "reason", *used]
    return dataclasses.replace(result, rejects_frame=rejects.select(keep))


AUDIENCE = [
    click.option(
        "--audience-hash",
        type=click.Choice(["sha256", "md5"]),
        help="With --ids-only: write an audience list for an ad platform: the ids (phone "
        "numbers or emails; any other id is an error) written as --audience-platform "
        "matches them, then hashed (lower-case hex), one per line.",
    ),
    click.option(
        "--audience-platform",
        type=click.Choice(AD_PLATFORM_NAMES),
        help="The ad platform of --audience-hash, which tells how phones are written: "
        "google (+8613812345678, SHA-256), meta and tiktok (8613812345678, SHA-256), "
        "tencent and oceanengine (13812345678, MD5 or SHA-256). Emails: trimmed, lower "
        "case. Default: the Chinese form with md5; emails need none; sha256 phones "
        "need it.",
    ),
    click.option(
        "--country-code",
        metavar="N",
        help="With --audience-hash: the country calling code of phone numbers written "
        "without one (1, 44, 86...). Default: only Chinese mobile numbers (11 digits, "
        "1[3-9]...) are recognised without it.",
    ),
]


def audience_spec(audience_hash: str | None, audience_platform: str | None,
                  country_code: str | None, ids_only: bool) -> AudienceSpec | None:  # fmt: skip
    """The audience list asked for, or None; usage errors for options without their
    partner."""
    if audience_hash is None:
        if audience_platform or country_code:
            given = "--audience-platform" if audience_platform else "--country-code"
            raise click.UsageError(f"{given} is for --audience-hash; add it")
        return None
    if not ids_only:
        raise click.UsageError("--audience-hash writes an audience list: add --ids-only")
    if country_code is not None and not country_code.lstrip("+").isdigit():
        raise click.BadParameter(f"{country_code!r} is not a country calling code (86, 1, 44...)",
                                 param_hint="--country-code")  # fmt: skip
    from custseg.privacy.audience import AudienceSpec

    return AudienceSpec(audience_hash, audience_platform, country_code)


def audience_ids(ids: Any, spec: AudienceSpec, quiet: bool) -> Any:
    """The audience list of ``ids`` (:func:`custseg.privacy.audience.audience_list`); what
    it is told on stderr unless ``quiet``."""
    from custseg.errors import DataError
    from custseg.privacy.audience import PHONE_FORMS, audience_list

    if ids.len() and ids.str.contains(r"^[0-9a-f]{16}$").all():
        raise DataError("the customer ids are pseudonyms (16 hex digits, as --pseudonymize "
                        "writes them): an audience list hashes the phone numbers or emails "
                        "themselves; leave out --pseudonymize or --audience-hash")  # fmt: skip
    made = audience_list(ids, spec)
    if not quiet:
        form = "trimmed lower case" if made.kind == "email" else PHONE_FORMS[
            made.platform.phone if made.platform else "digits"]  # fmt: skip
        where = f" for {made.platform.title}" if made.platform else ""
        kind = "phone numbers" if made.kind == "phone" else "emails"
        merged = f"; {made.merged:,} ids were the same once written so" if made.merged else ""
        click.echo(f"Audience list{where}: {made.ids.len():,} {kind} written as {form}, "
                   f"hashed with {spec.digest.upper()}{merged}", err=True)  # fmt: skip
    return made.ids
