"""``rfm --previous`` and its companions through the command line (issue 25, items 1-4):
every export format read back as ``--previous`` gives the comparison the two runs give in
memory; the selections compose with -o, --ids-only and --segment; frozen cut points; the
days to the next segment change; the errors."""

from __future__ import annotations

import csv
import datetime as dt
import json

import polars as pl
import pytest
from click.testing import CliRunner

from conftest import SAMPLE
from custseg.cli import main
from custseg.engines.run import run_rfm
from custseg.orders.load import LoadOptions
from custseg.segments.changes import compare_runs

# ids a spreadsheet would run, ids CSV must quote, text with zeros, Chinese
IDS = ("=SUM(1)", "-5", "+8613800000000", "@home", "007", "a,b", 'say "hi"', "张三")


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """Orders of 48 customers over 2024, eight with awkward ids."""
    path = tmp_path_factory.mktemp("shop") / "orders.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["order_id", "customer_id", "order_date", "amount"])
        ids = [*IDS, *(f"C{i:02d}" for i in range(40))]
        for i, cid in enumerate(ids):
            for k in range(1 + i % 5):
                day = dt.date(2024, 1, 1) + dt.timedelta(days=(i * 37 + k * 53) % 330)
                out.writerow([f"o{i}-{k}", cid, day.isoformat(), f"{15 + (i * 13 + k * 7) % 400}"])
    return path


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def reference(shop, earlier: str, later: str, lang: str = "en"):
    """The comparison of the two runs made in memory, with the previous frame as it is."""
    before = run_rfm(shop, LoadOptions(as_of=dt.date.fromisoformat(earlier)))
    after = run_rfm(shop, LoadOptions(as_of=dt.date.fromisoformat(later)))
    return after, compare_runs(after, before.frame, lang)


VARIANTS = {  # name: (-o suffix, extra options of the previous run)
    "csv": ("csv", []),
    "csv-excel-safe": ("csv", ["--excel-safe"]),
    "csv-bom-zh-actions": ("csv", ["--bom", "--lang", "zh", "--actions"]),
    "csv-excel-safe-bom": ("csv", ["--excel-safe", "--bom"]),
    "parquet": ("parquet", []),
    "xlsx": ("xlsx", ["--lang", "zh"]),
    "json": ("json", ["--actions"]),
    "jsonl": ("jsonl", []),
    "txt-as-csv": ("txt", ["--format", "csv"]),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_export_format_as_previous(shop, tmp_path, variant):
    suffix, extra = VARIANTS[variant]
    prev = tmp_path / f"prev.{suffix}"
    res = cli("rfm", shop, "--as-of", "2024-08-01", "-o", prev, "-q", *extra)
    assert res.exit_code == 0, res.output
    now = tmp_path / "now.parquet"
    res = cli("rfm", shop, "--as-of", "2024-12-01", "--previous", prev, "-o", now, "-q")
    assert res.exit_code == 0, res.output
    after, changes = reference(shop, "2024-08-01", "2024-12-01")
    got = pl.read_parquet(now)
    assert got["customer_id"].to_list() == after.frame["customer_id"].to_list()
    for col in ("previous_segment", "segment_changed", "change_reason"):
        assert got[col].to_list() == changes.frame[col].to_list(), col
    # every awkward id of the earlier run was matched (none counted new)
    before = run_rfm(shop, LoadOptions(as_of=dt.date(2024, 8, 1))).frame["customer_id"]
    awkward = [i for i in IDS if i in before.to_list()]
    assert len(awkward) >= 6
    matched = got.filter(pl.col("customer_id").is_in(awkward))
    assert matched.height == len(awkward) and matched["previous_segment"].null_count() == 0
    assert changes.counts["new"] == got["previous_segment"].null_count() > 0


def test_stdout_and_tab_separated_copies(shop, tmp_path):
    res = cli("rfm", shop, "--as-of", "2024-08-01", "-o", "-", "-q")
    assert res.exit_code == 0
    prev = tmp_path / "prev.csv"
    prev.write_bytes(res.stdout_bytes)
    tsv = tmp_path / "prev.tsv"
    pl.read_csv(prev, infer_schema=False).write_csv(tsv, separator="\t")
    _, changes = reference(shop, "2024-08-01", "2024-12-01")
    for path in (prev, tsv):
        now = tmp_path / "now.csv"
        res = cli("rfm", shop, "--as-of", "2024-12-01", "--previous", path, "-o", now, "-q")
        assert res.exit_code == 0, res.output
        reasons = pl.read_csv(now, infer_schema=False)["change_reason"].to_list()
        assert reasons == changes.frame["change_reason"].to_list()


def test_the_sample_summary_and_json(tmp_path):
    prev = tmp_path / "prev.parquet"
    assert cli("rfm", SAMPLE, "--as-of", "2025-11-01", "-o", prev, "-q").exit_code == 0
    res = cli("rfm", SAMPLE, "--previous", prev)
    assert res.exit_code == 0, res.output
    shown = " ".join(res.output.split())  # a long path wraps the line
    assert (f"Since the last run ({prev}, as of 2025-11-01): 959 stayed, 295 moved, 246 new, "
            "0 gone") in shown  # fmt: skip
    assert "Previous cut points: recomputed from the previous export" in res.output
    data = json.loads(cli("rfm", SAMPLE, "--previous", prev, "--json").output)["changes"]
    assert data["customers"] == {"previous": 1254, "current": 1500, "new": 246, "gone": 0,
                                 "moved": 295, "stayed": 959}  # fmt: skip
    assert data["previous_as_of"] == "2025-11-01"
    assert data["previous_cut_points_found"] == "recomputed"
    # the cells add up to the customers of both runs
    cells = data["matrix"]
    assert sum(c["customers"] for c in cells if c["segment"] is not None) == 1500
    assert sum(c["customers"] for c in cells if c["previous_segment"] is not None) == 1254
    stay = sum(c["customers"] for c in cells if c["segment"] == c["previous_segment"])
    assert stay == 959
    assert sum(data["entered"].values()) == 295 + 246
    zh = cli("rfm", SAMPLE, "--previous", prev, "--lang", "zh")
    assert "与上次运行相比" in zh.output and "（新客户）" in zh.output


def test_selections_compose(shop, tmp_path):
    prev = tmp_path / "prev.csv"
    assert cli("rfm", shop, "--as-of", "2024-08-01", "-o", prev, "-q").exit_code == 0
    after, changes = reference(shop, "2024-08-01", "2024-12-01")
    seg, ids = after.frame["segment"], after.frame["customer_id"]
    cases = [
        (["--changed-only"], changes.mask(seg, changed_only=True)),
        (["--entered", "churn-risk"], changes.mask(seg, entered=("churn-risk",))),
        (["--left", "high-value", "--left", "new"], changes.mask(seg, left=("high-value", "new"))),
        (["--changed-only", "--segment", "dormant"], changes.mask(seg, True) & (seg == "dormant")),
    ]
    for args, mask in cases:
        out = tmp_path / "out.parquet"
        res = cli("rfm", shop, "--as-of", "2024-12-01", "--previous", prev, "-o", out, "-q", *args)
        assert res.exit_code == 0, res.output
        expected = ids.filter(mask).to_list()
        assert expected, args  # each case selects someone
        assert pl.read_parquet(out)["customer_id"].to_list() == expected, args
    res = cli("rfm", shop, "--as-of", "2024-12-01", "--previous", prev, "--entered", "churn-risk",
              "--ids-only", "-q")  # fmt: skip
    assert res.exit_code == 0
    rows = list(csv.reader(res.stdout.splitlines()))
    assert [r[0] for r in rows] == ids.filter(changes.mask(seg, entered=("churn-risk",))).to_list()


def test_the_output_may_replace_the_previous_file(shop, tmp_path):
    path = tmp_path / "customers.csv"
    assert cli("rfm", shop, "--as-of", "2024-08-01", "-o", path, "-q").exit_code == 0
    res = cli("rfm", shop, "--as-of", "2024-12-01", "--previous", path, "-o", path, "-q")
    assert res.exit_code == 0, res.output
    _, changes = reference(shop, "2024-08-01", "2024-12-01")
    got = pl.read_csv(path, infer_schema=False)
    assert got["change_reason"].to_list() == changes.frame["change_reason"].to_list()


def test_errors(shop, tmp_path):
    ids = tmp_path / "ids.txt"
    assert cli("rfm", shop, "--ids-only", "-o", ids, "-q").exit_code == 0
    res = cli("rfm", shop, "--previous", ids, "-q")
    assert res.exit_code == 1
    assert res.stderr == (
        f"Error: {ids}: not a custseg rfm export: it lacks the column(s) customer_id, segment, "
        "recency_days, frequency, monetary, r_score, f_score, m_score; pass the file a "
        "previous 'custseg rfm -o FILE' wrote (not --ids-only)\n"
    )
    res = cli("rfm", shop, "--previous", tmp_path / "nothing.csv", "-q")
    assert res.exit_code == 1 and "no such file" in res.stderr
    res = cli("rfm", shop, "--changed-only")
    assert res.exit_code == 2
    assert "--changed-only, --entered and --left select customers by what changed since the " \
        "last run: give --previous FILE" in res.stderr  # fmt: skip
    res = cli("rfm", shop, "--previous", ids, "--entered", "vip")
    assert res.exit_code == 2 and "'vip' is not a segment of scheme 'default'" in res.stderr
    res = cli("rfm", shop, "--previous", ids, "--predict")
    assert res.exit_code == 2 and "not available with --predict" in res.stderr
    for flag in (["--previous", ids], ["--cuts-from", ids], ["--downgrade"]):
        res = cli("rfm", "x.parquet", "--engine", "spark", *flag)
        assert res.exit_code == 2
        assert f"{flag[0]} is not available with --engine spark" in res.stderr


def test_frozen_cut_points(shop, tmp_path):
    cuts = tmp_path / "cuts.json"
    first = cli("rfm", shop, "--as-of", "2024-08-01", "--thresholds", cuts, "--json")
    later = cli("rfm", shop, "--as-of", "2024-12-01", "--cuts-from", cuts, "--json")
    assert later.exit_code == 0, later.output
    frozen = json.loads(later.output)
    assert frozen["cut_points"] == json.loads(first.output)["cut_points"]
    assert frozen["cut_points_from"] == str(cuts)
    fresh = json.loads(cli("rfm", shop, "--as-of", "2024-12-01", "--json").output)
    assert fresh["cut_points"] != frozen["cut_points"]
    # and the previous run's scores follow them: every reason is the customer's own
    prev = tmp_path / "prev.csv"
    cli("rfm", shop, "--as-of", "2024-08-01", "-o", prev, "-q")
    out = tmp_path / "now.csv"
    res = cli("rfm", shop, "--as-of", "2024-12-01", "--cuts-from", cuts, "--previous", prev,
              "-o", out, "--json")  # fmt: skip
    assert json.loads(res.output)["changes"]["previous_cut_points_found"] == "current"
    reasons = pl.read_csv(out, infer_schema=False)["change_reason"].drop_nulls()
    assert reasons.len() and not reasons.str.contains("cut points moved").any()


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ('{"scoring": "quantile", "cut_points": {"recency_days": [1, 2, 3, 4], '
         '"frequency": [1, 1, 2, 4], "monetary": [1, 2, 3, 4]}}', ["--bins", "4"],
         "4 cut points for recency_days make 5 score levels; this run scores 4: pass --bins 5"),
        ('{"scoring": "quantile", "cut_points": {"recency_days": [1, 2, 3, 4], '
         '"frequency": [1, 1, 2, 4]}}', [],
         "cut_points must hold recency_days, frequency, monetary; missing monetary"),
        ('{"scoring": "quantile", "cut_points": {"recency_days": [1, 2, 3, 4], '
         '"frequency": [1, 1, 2, 4], "monetary": [4, 3, 2, 1]}}', [],
         "cut_points.monetary: [4.0, 3.0, 2.0, 1.0] are not in ascending order"),
        ('{"scoring": "quantile", "cut_points": {"recency_days": [1, 2, 3, 4], '
         '"frequency": [1, 1, 2, 4], "monetary": [1, 2, 3, 4]}}', ["--scoring", "mean"],
         "cut points of 'quantile' scoring; this run scores by 'mean': pass --scoring quantile"),
        ('{"cut_points": "x"}', [], 'no "cut_points" object'),
        ("not json", [], "not JSON"),
    ],
)  # fmt: skip
def test_cut_point_files_are_checked(shop, tmp_path, content, args, message):
    path = tmp_path / "cuts.json"
    path.write_text(content, encoding="utf-8")
    res = cli("rfm", shop, "--cuts-from", path, "-q", *args)
    assert res.exit_code == 1
    assert res.stderr.startswith(f"Error: {path}: ") and message in res.stderr, res.stderr


def test_downgrade_columns(shop, tmp_path):
    out = tmp_path / "out.parquet"
    res = cli("rfm", shop, "--as-of", "2024-12-01", "--downgrade", "-o", out)
    assert res.exit_code == 0, res.output
    got = pl.read_parquet(out)
    assert got.columns[-2:] == ["days_to_downgrade", "next_segment"]
    assert "Without a purchase: " in res.output
    # a check on every customer by a second method: segment them again at the day found
    # (and the day before, which must still give their segment)
    from custseg.segments.rules import assign_segments, builtin_rules
    from custseg.segments.scoring import score_values

    table = builtin_rules("default")
    cuts = json.loads(cli("rfm", shop, "--as-of", "2024-12-01", "--json").output)["cut_points"]
    moving = got.filter(pl.col("days_to_downgrade").is_not_null())
    assert moving.height > 0
    for shift, want in ((0, "next_segment"), (-1, "segment")):
        rec = moving["recency_days"] + moving["days_to_downgrade"] + shift
        r = score_values(rec, cuts["recency_days"], higher_is_better=False)
        seg = assign_segments(moving.with_columns(recency_days=rec, r_score=r), table)["segment"]
        assert seg.to_list() == moving[want].to_list()


def test_report_previous(shop, tmp_path):
    prev = tmp_path / "prev.xlsx"
    assert cli("rfm", shop, "--as-of", "2024-08-01", "-o", prev, "-q").exit_code == 0
    out = tmp_path / "r.html"
    res = cli("report", shop, "--as-of", "2024-12-01", "--previous", prev, "-o", out, "-q")
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    _, changes = reference(shop, "2024-08-01", "2024-12-01")
    c = changes.counts
    assert (f"Since the last run ({prev}, as of 2024-08-01): {c['stayed']} stayed, "
            f"{c['moved']} moved, {c['new']} new, {c['gone']} gone</h2>") in page  # fmt: skip


def test_a_parquet_folder_as_previous(shop, tmp_path):
    """A folder of Parquet parts (as the Spark engine writes one): read whole."""
    prev = tmp_path / "prev.parquet"
    assert cli("rfm", shop, "--as-of", "2024-08-01", "-o", prev, "-q").exit_code == 0
    frame = pl.read_parquet(prev)
    folder = tmp_path / "folder.parquet"
    folder.mkdir()
    frame.head(20).write_parquet(folder / "part-0.parquet")
    frame.tail(frame.height - 20).write_parquet(folder / "part-1.parquet")
    res = cli("rfm", shop, "--as-of", "2024-12-01", "--previous", folder, "--json")
    assert res.exit_code == 0, res.output
    _, changes = reference(shop, "2024-08-01", "2024-12-01")
    assert json.loads(res.output)["changes"]["customers"] == changes.counts


def test_doubtful_pairs_are_warned_about(shop, tmp_path):
    """A previous run of another scheme, or on fewer levels: compared, with a warning."""
    cn8 = tmp_path / "cn8.csv"
    assert (
        cli("rfm", shop, "--as-of", "2024-08-01", "--scheme", "cn8", "-o", cn8, "-q").exit_code == 0
    )
    res = cli("rfm", shop, "--as-of", "2024-12-01", "--previous", cn8, "--json")
    warnings = json.loads(res.output)["changes"]["warnings"]
    # cn8 scores above or below the mean: two levels, and other segments
    assert len(warnings) == 2
    assert warnings[0].startswith("the previous run has segments this rule table lacks (")
    assert warnings[1].startswith("the previous run's highest M score is 2, this run scores 1 to 5")
    four = tmp_path / "four.csv"
    assert cli("rfm", shop, "--as-of", "2024-08-01", "--bins", "4", "-o", four, "-q").exit_code == 0
    res = cli("rfm", shop, "--as-of", "2024-12-01", "--previous", four)
    assert res.exit_code == 0
    assert ("Warning: the previous run's highest M score is 4, this run scores 1 to 5: if it "
            "was scored on 4 levels (--bins), its scores are not comparable") in " ".join(
        res.output.split())  # fmt: skip
    res = cli("rfm", shop, "--as-of", "2024-12-01", "--bins", "4", "--previous", four, "--json")
    assert json.loads(res.output)["changes"]["warnings"] == []


def test_pseudonymized_runs_compare_as_the_plain_ones(shop, tmp_path):
    """With --pseudonymize (the same key each night) the ids of both runs are pseudonyms,
    and they match as the plain ids do."""
    env = {"CUSTSEG_PSEUDONYM_KEY": "0123456789abcdef0123"}
    prev = tmp_path / "prev.csv"
    args = ["rfm", str(shop), "--pseudonymize"]
    res = CliRunner().invoke(main, [*args, "--as-of", "2024-08-01", "-o", str(prev), "-q"], env=env)
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(
        main, [*args, "--as-of", "2024-12-01", "--previous", str(prev), "--json"], env=env
    )
    assert res.exit_code == 0, res.output
    _, changes = reference(shop, "2024-08-01", "2024-12-01")
    assert json.loads(res.output)["changes"]["customers"] == changes.counts
