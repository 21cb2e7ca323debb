"""Audience lists for ad platforms: customer ids that are phone numbers or emails,
written the way each platform matches them, then hashed (``--audience-hash``).

Each platform's rule, as its documentation states it (checked 2026-12; see the README,
Privacy):

- Google Ads Customer Match: SHA-256; email trimmed, lower case; phone in E.164
  (``+`` country code, number).
- Meta custom audiences: SHA-256; email trimmed, lower case; phone digits only with the
  country code, no ``+``, no leading zeros.
- TikTok customer files: SHA-256; email lower case, a ``+tag`` before the ``@`` removed;
  phone digits with the country code, no ``+``.
- Tencent Ads 腾讯广告 (HASH_MOBILE_PHONE, SHA256_MOBILE_PHONE) and Ocean Engine 巨量引擎
  (手机号-MD5, 手机号-SHA256): MD5 or SHA-256 of the 11-digit mobile number, no country
  code; no emails.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from custseg.errors import DataError, param
from custseg.privacy.digest import hexdigests, plain
from custseg.privacy.masked import masked_ids


@dataclass(frozen=True)
class AdPlatform:
    """How one ad platform matches customer lists: ``phone`` is ``e164`` (``+86138...``),
    ``digits`` (``86138...``) or ``cn11`` (``138...``, Chinese mobiles only); ``emails``
    whether it takes emails, ``plus_tags`` whether a ``+tag`` is cut from them;
    ``hashes`` the digests it takes."""

    name: str
    title: str
    phone: str
    emails: bool
    hashes: tuple[str, ...]
    plus_tags: bool = False


AD_PLATFORMS: dict[str, AdPlatform] = {
    p.name: p
    for p in (
        AdPlatform("google", "Google Ads Customer Match", "e164", True, ("sha256",)),
        AdPlatform("meta", "Meta custom audiences", "digits", True, ("sha256",)),
        AdPlatform("tiktok", "TikTok customer file", "digits", True, ("sha256",), True),
        AdPlatform("tencent", "Tencent Ads 腾讯广告", "cn11", False, ("md5", "sha256")),
        AdPlatform("oceanengine", "Ocean Engine 巨量引擎", "cn11", False, ("md5", "sha256")),
    )
}
#: What each phone form is, for messages.
PHONE_FORMS = {"e164": "E.164 (+ country code, number)",
               "digits": "digits with the country code, no +",
               "cn11": "the 11-digit mobile number, no country code"}  # fmt: skip

_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
#: A Chinese mobile number, with or without 86 before it (after the separators are gone).
_CN_MOBILE = r"^(?:86)?(1[3-9]\d{9})$"


@dataclass(frozen=True)
class AudienceSpec:
    """An audience list: the digest (``sha256``, ``md5``), the platform (None: told by the
    digest and the ids, or an error asking for it) and the country code of phone numbers
    written without one (None: only Chinese mobiles are recognised without it)."""

    digest: str
    platform: str | None = None
    country_code: str | None = None


@dataclass(frozen=True)
class Audience:
    """An audience list made: the hashed ids (distinct, in the order of the customers),
    what they were (``phone`` or ``email``), the platform form used and how many ids
    became the same value once written that way (``merged``)."""

    ids: pl.Series
    kind: str
    platform: AdPlatform | None
    merged: int = 0


def audience_list(ids: pl.Series, spec: AudienceSpec) -> Audience:
    """The customer ``ids`` (text, one per customer) as ``spec`` says: normalised for the
    platform, hashed, duplicates dropped.

    Raises
    ------
    DataError
        Ids that are neither phones nor emails (masked ones named as such), a mix of both,
        phones without a country code, a platform that does not take the ids or the
        digest, phones without a platform to say their form.
    """
    text = ids.cast(pl.String).str.normalize("NFKC").str.strip_chars().drop_nulls()
    emails = text.str.contains(_EMAIL)
    phones = _phone_text(text).str.contains(r"^(?:\+|00)?\d{6,15}$") & ~emails
    _check_kinds(text, emails, phones)
    kind = "email" if emails.any() else "phone"
    platform = _platform(spec, kind)
    if kind == "email":
        written = _emails(text, platform)
    else:
        written = _phones(text, platform, spec.country_code)
    hashed = hexdigests(written, plain(spec.digest)).unique(maintain_order=True)
    return Audience(hashed.alias("customer_id"), kind, platform, written.len() - hashed.len())


def _check_kinds(text: pl.Series, emails: pl.Series, phones: pl.Series) -> None:
    neither = text.filter(~emails & ~phones)
    if not neither.is_empty():
        masked = int(masked_ids(neither).sum())
        why = f" ({masked:,} of them masked, like 138****1234)" if masked else ""
        examples = ", ".join(repr(v) for v in neither.head(3).to_list())
        raise DataError(
            f"{neither.len():,} customer ids are neither phone numbers nor emails{why}, e.g. "
            f"{examples}: an audience list is made of phones or emails; name a column of them "
            f"with {param('columns.customer')}, or leave out {param('audience_hash')}"
        )
    if emails.any() and phones.any():
        raise DataError(
            f"the customer ids mix {int(phones.sum()):,} phone numbers and "
            f"{int(emails.sum()):,} emails: an audience list holds one kind; name a column "
            f"of one kind with {param('columns.customer')}"
        )


def _platform(spec: AudienceSpec, kind: str) -> AdPlatform | None:
    """The platform the list is for; None for emails without one (every platform that
    takes emails writes them trimmed and in lower case)."""
    if spec.platform is None:
        if kind == "email":
            if spec.digest == "md5":
                raise DataError(f"no ad platform takes MD5 emails; use {param('audience_hash')} "
                                f"sha256")  # fmt: skip
            return None
        if spec.digest == "md5":  # only the Chinese platforms take MD5 phones, as 11 digits
            return AD_PLATFORMS["tencent"]
        raise DataError(
            f"the customer ids are phone numbers, which each ad platform writes its own way "
            f"before hashing: name the platform with {param('audience_platform')} "
            f"({', '.join(AD_PLATFORMS)})"
        )
    platform = AD_PLATFORMS[spec.platform]
    if spec.digest not in platform.hashes:
        raise DataError(f"{platform.title} takes {' or '.join(platform.hashes)} hashes, not "
                        f"{spec.digest}; pass {param('audience_hash')} "
                        f"{platform.hashes[0]}")  # fmt: skip
    if kind == "email" and not platform.emails:
        raise DataError(f"{platform.title} matches mobile numbers, not emails; name a column "
                        f"of phone numbers with {param('columns.customer')}")  # fmt: skip
    return platform


def _emails(text: pl.Series, platform: AdPlatform | None) -> pl.Series:
    emails = text.str.to_lowercase()
    if platform is not None and platform.plus_tags:
        emails = emails.str.replace(r"\+[^@]*@", "@")
    return emails


def _phone_text(text: pl.Series) -> pl.Series:
    """A phone number without separators (spaces, dashes, dots, parentheses; a trunk
    ``(0)`` after the country code dropped)."""
    return text.str.replace_all(r"\(0\)", "").str.replace_all(r"[\s\-().]", "")


def _phones(text: pl.Series, platform: AdPlatform | None, country_code: str | None) -> pl.Series:
    """Phone numbers in the platform's form: the country code and the national number
    found, then written as ``e164``, ``digits`` or ``cn11``."""
    assert platform is not None
    raw = _phone_text(text)
    international = raw.str.contains(r"^(?:\+|00)")
    digits = raw.str.replace(r"^(?:\+|00)", "")
    cn = digits.str.extract(_CN_MOBILE, 1)
    # a Chinese mobile (with or without 86) written without +; +86 numbers; the others
    # with + or 00 carry their country code; the rest take --country-code
    if platform.phone == "cn11":
        return _chinese(raw, cn, international, digits, country_code)
    given = country_code.lstrip("+") if country_code else None
    parts = pl.DataFrame({"cn": cn, "intl": international, "digits": digits})
    national = pl.col("cn").is_not_null() & ~pl.col("intl") & pl.lit(given in (None, "86"))
    local = pl.lit(given or "") + pl.col("digits").str.strip_chars_start("0")
    full = parts.select(
        pl.when(national).then(pl.lit("86") + pl.col("cn"))
        .when(pl.col("intl")).then(pl.col("digits"))
        .when(pl.lit(given is not None)).then(local)
        .otherwise(None)
    ).to_series()  # fmt: skip
    missing = text.filter(full.is_null())
    if not missing.is_empty():
        raise DataError(
            f"{missing.len():,} phone numbers have no country code (e.g. {missing[0]!r}): "
            f"give it with {param('country_code')} (86 for China, 1 for the US...), or "
            f"write the numbers with + and their country code"
        )
    bad = text.filter(~full.str.contains(r"^[1-9]\d{7,14}$"))
    if not bad.is_empty():
        raise DataError(f"{bad.len():,} phone numbers are too short or too long once written "
                        f"with their country code (e.g. {bad[0]!r}): check the customer "
                        f"column")  # fmt: skip
    return ("+" + full) if platform.phone == "e164" else full


def _chinese(raw, cn, international, digits, country_code) -> pl.Series:
    """The 11 digits of Chinese mobile numbers (``+86 138...``, ``86138...``, ``138...``);
    any other number is an error: the Chinese platforms match only those."""
    foreign = (international & ~digits.str.starts_with("86")) | cn.is_null()
    if country_code and country_code.lstrip("+") != "86":
        foreign = foreign | ~international
    if foreign.any():
        examples = ", ".join(repr(v) for v in raw.filter(foreign).head(3).to_list())
        raise DataError(
            f"{int(foreign.sum()):,} phone numbers are not Chinese mobile numbers (e.g. "
            f"{examples}): Tencent Ads and Ocean Engine match the 11 digits of Chinese "
            f"mobiles only; name another {param('audience_platform')}"
        )
    return cn
