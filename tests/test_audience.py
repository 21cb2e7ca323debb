"""Audience lists for ad platforms (issue 26, item 3): ``--ids-only --audience-hash``.

Every expected hash is hashlib's, of a value normalised by hand here (the platform's form
written out literally), never of custseg's own normalisation.
"""

from __future__ import annotations

import hashlib

import polars as pl
import pytest
from click.testing import CliRunner

from custseg.cli import main
from custseg.errors import DataError
from custseg.privacy.audience import AudienceSpec, audience_list

ENGLISH = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": "C.UTF-8", "CUSTSEG_PSEUDONYM_KEY": None}


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def run(*args: str):
    return CliRunner().invoke(main, list(args), env=ENGLISH)


# three Chinese mobiles written three ways, one customer each (the first two orders are
# the same customer); as hand-normalised per platform below
PHONES = (
    "customer_id,order_date,amount\n"
    "138 1234 5678,2024-01-05,30\n"
    "138 1234 5678,2024-02-05,10\n"
    "+86 139-0000-1111,2024-01-10,25\n"
    "008613700002222,2024-01-11,20\n"
    "８６１３６００００３３３３,2024-01-12,20\n"  # full-width digits, 86 without +
)
NATIONAL = ["13812345678", "13900001111", "13700002222", "13600003333"]


@pytest.fixture
def phones(write_csv):
    return str(write_csv(PHONES, "phones.csv"))


def lines(path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize(
    ("platform", "digest", "written"),
    [
        ("google", sha256, ["+86" + n for n in NATIONAL]),
        ("meta", sha256, ["86" + n for n in NATIONAL]),
        ("tiktok", sha256, ["86" + n for n in NATIONAL]),
        ("tencent", sha256, NATIONAL),
        ("oceanengine", sha256, NATIONAL),
        ("tencent", md5, NATIONAL),
        ("oceanengine", md5, NATIONAL),
    ],
)
def test_phones_hashed_as_each_platform_writes_them(phones, tmp_path, platform, digest, written):
    out = tmp_path / "audience.txt"
    res = run("rfm", phones, "--ids-only", "--audience-hash", digest.__name__,
              "--audience-platform", platform, "-o", str(out), "-q")  # fmt: skip
    assert res.exit_code == 0, res.output
    assert lines(out) == [digest(v) for v in written]  # one per customer, in their order


def test_md5_without_a_platform_is_the_chinese_form(phones, tmp_path):
    out = tmp_path / "audience.txt"
    res = run("rfm", phones, "--ids-only", "--audience-hash", "md5", "-o", str(out))
    assert res.exit_code == 0, res.output
    assert lines(out) == [md5(n) for n in NATIONAL]
    assert ("Audience list for Tencent Ads 腾讯广告: 4 phone numbers written as the 11-digit "
            "mobile number, no country code, hashed with MD5\n") in res.stderr  # fmt: skip


def test_sha256_phones_need_a_platform(phones, tmp_path):
    res = run("rfm", phones, "--ids-only", "--audience-hash", "sha256", "-o",
              str(tmp_path / "a.txt"))  # fmt: skip
    assert res.exit_code == 1
    assert res.stderr == (
        "Error: the customer ids are phone numbers, which each ad platform writes its own way "
        "before hashing: name the platform with --audience-platform (google, meta, tiktok, "
        "tencent, oceanengine)\n"
    )
    assert not (tmp_path / "a.txt").exists()


EMAILS = (
    "Email,Paid at,Total\n"
    " Ann.Lee@Example.COM ,2024-01-05,30\n"
    "bob+shop@mail.example.org,2024-01-06,10\n"
)


def test_emails_trimmed_and_lower_cased(write_csv, tmp_path):
    path = str(write_csv(EMAILS, "emails.csv"))
    out = tmp_path / "a.txt"
    res = run("rfm", path, "--ids-only", "--audience-hash", "sha256", "-o", str(out), "-q")
    assert res.exit_code == 0, res.output
    assert lines(out) == [sha256("ann.lee@example.com"), sha256("bob+shop@mail.example.org")]
    # TikTok also drops a +tag before the @
    res = run("rfm", path, "--ids-only", "--audience-hash", "sha256", "--audience-platform",
              "tiktok", "-o", str(out), "-q")  # fmt: skip
    assert res.exit_code == 0, res.output
    assert lines(out) == [sha256("ann.lee@example.com"), sha256("bob@mail.example.org")]


def test_chinese_platforms_refuse_emails(write_csv, tmp_path):
    path = str(write_csv(EMAILS, "emails.csv"))
    res = run("rfm", path, "--ids-only", "--audience-hash", "md5", "--audience-platform",
              "tencent", "-o", str(tmp_path / "a.txt"))  # fmt: skip
    assert res.exit_code == 1
    assert res.stderr == ("Error: Tencent Ads 腾讯广告 matches mobile numbers, not emails; name "
                          "a column of phone numbers with --customer-col\n")  # fmt: skip


def test_ids_that_are_not_phones_or_emails_are_refused(write_csv, tmp_path):
    path = str(write_csv("customer_id,order_date,amount\n138****1234,2024-01-05,30\n"
                         "C001,2024-01-06,10\n13812345678,2024-01-07,5\n", "ids.csv"))  # fmt: skip
    out = tmp_path / "a.txt"
    res = run("rfm", path, "--ids-only", "--audience-hash", "md5", "-o", str(out))
    assert res.exit_code == 1
    assert res.stderr.endswith(
        "Error: 2 customer ids are neither phone numbers nor emails (1 of them masked, like "
        "138****1234), e.g. '138****1234', 'C001': an audience list is made of phones or "
        "emails; name a column of them with --customer-col, or leave out --audience-hash\n"
    )
    assert not out.exists()


def test_other_countries_need_a_country_code():
    us = pl.Series(["(657) 777-0000", "+44 (0)20 7183 8750", "0044 20 7183 8751"])
    with pytest.raises(DataError, match="1 phone numbers have no country code"):
        audience_list(us, AudienceSpec("sha256", "google"))
    made = audience_list(us, AudienceSpec("sha256", "google", "1"))
    assert made.ids.to_list() == [sha256("+16577770000"), sha256("+442071838750"),
                                  sha256("+442071838751")]  # fmt: skip
    made = audience_list(pl.Series(["0657 777 0000"]), AudienceSpec("sha256", "meta", "+1"))
    assert made.ids.to_list() == [sha256("16577770000")]  # a trunk 0 dropped
    with pytest.raises(DataError, match="not Chinese mobile numbers"):
        audience_list(us, AudienceSpec("md5", "oceanengine", "1"))


def test_a_mix_of_phones_and_emails_is_refused():
    with pytest.raises(DataError, match="mix 1 phone numbers and 1 emails"):
        audience_list(pl.Series(["a@b.com", "13812345678"]), AudienceSpec("sha256", "meta"))


def test_ids_written_the_same_once_normalised_are_listed_once():
    made = audience_list(pl.Series(["13812345678", "+86 138 1234 5678"]),
                         AudienceSpec("md5"))  # fmt: skip
    assert made.ids.to_list() == [md5("13812345678")]
    assert made.merged == 1


def test_a_platform_that_takes_no_md5(phones, tmp_path):
    res = run("rfm", phones, "--ids-only", "--audience-hash", "md5", "--audience-platform",
              "google", "-o", str(tmp_path / "a.txt"))  # fmt: skip
    assert res.exit_code == 1
    assert res.stderr == ("Error: Google Ads Customer Match takes sha256 hashes, not md5; pass "
                          "--audience-hash sha256\n")  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--audience-hash", "md5"], "--audience-hash writes an audience list: add --ids-only"),
        (["--audience-platform", "meta"], "--audience-platform is for --audience-hash; add it"),
        (["--ids-only", "--audience-hash", "md5", "--country-code", "x1"],
         "Invalid value for --country-code: 'x1' is not a country calling code (86, 1, 44...)"),
    ],
)  # fmt: skip
def test_usage_errors(phones, args, message):
    res = run("rfm", phones, *args)
    assert res.exit_code == 2
    assert res.stderr.endswith(f"Error: {message}\n")


@pytest.fixture(scope="module")
def sample_phones(tmp_path_factory):
    """The sample shop with each customer id C00541 written as the mobile 13800000541."""
    from conftest import SAMPLE

    text = SAMPLE.read_text(encoding="utf-8").replace(",C", ",138000")
    path = tmp_path_factory.mktemp("phones") / "sample_phones.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("command", ["rfm", "repeat", "predict", "cluster"])
def test_every_command_with_ids_only_writes_audiences(sample_phones, tmp_path, command):
    out, ids = tmp_path / "a.txt", tmp_path / "ids.txt"
    extra = ["--segment", "new"] if command != "repeat" else []
    res = run(command, sample_phones, "--ids-only", "-o", str(ids), "-q", *extra)
    assert res.exit_code == 0, res.output
    res = run(command, sample_phones, "--ids-only", "--audience-hash", "md5", "-o", str(out),
              "-q", *extra)  # fmt: skip
    assert res.exit_code == 0, res.output
    plain = lines(ids)
    assert len(plain) > 50 and all(len(i) == 11 and i.startswith("138000") for i in plain)
    assert lines(out) == [md5(i) for i in plain]
