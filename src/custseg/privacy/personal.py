"""Columns that look personal: by their name (Chinese and English) or by their values
(phone numbers, emails, Chinese resident ID numbers).

Used to warn before such columns leave custseg (``--rejects-all-columns``) and to find the
address column that tells one masked id's customers apart (:mod:`custseg.privacy.masked`).
"""

from __future__ import annotations

import re
import unicodedata

import polars as pl

#: What a header name says, by kind: substrings of the name after NFKC, lower case and
#: without spaces, ``_``, ``-`` and ``.``. English words are matched whole-ish (``name``
#: also in ``billing name``, ``first_name``; not in ``lineitem name``: see _NOT_PERSONAL).
NAME_MARKS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "收货人", "收件人", "联系人", "买家姓名", "真实姓名", "name", "firstname",
             "lastname", "fullname", "recipient", "consignee"),
    "phone": ("手机", "电话", "联系方式", "phone", "mobile", "tel", "cellphone"),
    "address": ("地址", "收货地", "详细地址", "街道", "address", "street", "zip", "postcode",
                "postalcode", "邮编"),
    "id_number": ("身份证", "证件号", "idcard", "idnumber", "passport", "ssn"),
    "email": ("邮箱", "电子邮件", "email", "e-mail"),
}  # fmt: skip
#: What each kind is called in messages.
KIND_WORDS = {"name": "names", "phone": "phone numbers", "address": "addresses",
              "id_number": "ID numbers", "email": "emails"}  # fmt: skip
#: Names that hold a marker but are not about a person (a product's name, a store's).
_NOT_PERSONAL = ("lineitem", "product", "item", "sku", "宝贝", "商品", "store", "shop",
                 "店铺", "vendor", "channel", "渠道", "status", "状态", "timestamp", "title",
                 "标题")  # fmt: skip

#: Values, as regular expressions on the trimmed text: a Chinese mobile number (with or
#: without +86), an international number (+ and 8-15 digits, separators allowed), an
#: email, a Chinese resident ID number (18 characters, the last a digit or X).
VALUE_PATTERNS: dict[str, str] = {
    "phone": r"^(?:(?:\+|00)?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}$|^\+\d[\d\s\-()]{7,18}\d$",
    "email": r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$",
    "id_number": r"^[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
    r"\d{3}[\dXx]$",
}
#: The share of a column's non-empty values (of the first :data:`SAMPLE` rows) that must
#: match one pattern for the column to look personal by its values.
VALUE_SHARE = 0.5
SAMPLE = 1000

_DROP = re.compile(r"[\s_\-.]+")


def _key(name: str) -> str:
    return _DROP.sub("", unicodedata.normalize("NFKC", str(name)).strip().lower())


def kind_by_name(name: str) -> str | None:
    """The kind of personal data a column's name says it holds (``name``, ``phone``,
    ``address``, ``id_number``, ``email``), or None."""
    key = _key(name)
    if any(word in key for word in _NOT_PERSONAL):
        return None
    for kind, marks in NAME_MARKS.items():
        if any(_key(mark) in key for mark in marks):
            return kind
    return None


def kind_by_values(values: pl.Series) -> str | None:
    """The kind of personal data most of ``values`` (the first :data:`SAMPLE`; text or
    numbers) are: ``phone``, ``email`` or ``id_number``; else None."""
    text = values.head(SAMPLE).cast(pl.String, strict=False).str.strip_chars().drop_nulls()
    text = text.filter(text != "")
    if text.is_empty():
        return None
    for kind, pattern in VALUE_PATTERNS.items():
        if text.str.contains(pattern).mean() >= VALUE_SHARE:  # type: ignore[operator]
            return kind
    return None


def personal_columns(frame: pl.DataFrame, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """The columns of ``frame`` (but ``skip``) that look personal, each with why: what its
    name says (``names, by its name``) or what its values are (``phone numbers, by its
    values``)."""
    found: dict[str, str] = {}
    for name in frame.columns:
        if name in skip:
            continue
        kind = kind_by_name(name)
        if kind:
            found[name] = f"{KIND_WORDS[kind]}, by its name"
            continue
        kind = kind_by_values(frame[name])
        if kind:
            found[name] = f"{KIND_WORDS[kind]}, by its values"
    return found


def place_column(columns: list[str]) -> str | None:
    """The first column whose name says it holds an address (收货地址, Shipping Address1...),
    or None."""
    return next((c for c in columns if kind_by_name(c) == "address"), None)
