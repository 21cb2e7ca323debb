"""``custseg cluster`` and :func:`custseg.cluster_customers`: known groups recovered, names
that follow the medians, row order that changes nothing, the silhouette table against
scikit-learn run here on features built here, the exports and the errors."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from conftest import REAL, SAMPLE
from custseg.cli import main
from custseg.schema import CLUSTER_COLUMNS, EXPORT_COLUMNS

AS_OF = "2025-01-01"
#: Four groups far apart in days since the last order, orders and spend per order:
#: (days since the last order, orders, amount per order, customers).
GROUPS = {
    "A": (5, 12, 250.0, 40),  # recent, frequent, high spend
    "B": (400, 1, 12.0, 60),  # lapsed, one-time, low spend
    "C": (120, 4, 60.0, 50),  # in between
    "D": (8, 1, 20.0, 30),  # recent, one-time, low spend
}


def run(*args: str) -> dict:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def group_orders(path, shuffle: int | None = None):
    """An order file of :data:`GROUPS` (small jitter within each group); ``shuffle``: the
    rows in a random order from that seed."""
    rng = random.Random(1)
    rows = []
    for group, (days, orders, amount, customers) in GROUPS.items():
        for i in range(customers):
            last = days + rng.randint(0, 3)
            for j in range(orders):
                day = np.datetime64(AS_OF) - np.timedelta64(last + 9 * j, "D")
                value = amount * (1 + rng.uniform(-0.1, 0.1))
                rows.append([f"{group}-o{i}-{j}", f"{group}{i:03d}", str(day), f"{value:.2f}"])
    if shuffle is not None:
        random.Random(shuffle).shuffle(rows)
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["order_id", "customer_id", "order_date", "amount"])
        out.writerows(rows)
    return path


@pytest.fixture(scope="module")
def groups(tmp_path_factory):
    return group_orders(tmp_path_factory.mktemp("groups") / "groups.csv")


def export(path, tmp_path, *args: str, name: str = "out.csv") -> tuple[pl.DataFrame, dict]:
    out = tmp_path / name
    as_of = [] if "sample" in path.name else ["--as-of", AS_OF]  # the sample's own: 2026
    summary = run("cluster", str(path), *as_of, "-o", str(out), "--json", *args)
    if name.endswith(".parquet"):
        return pl.read_parquet(out), summary
    if name.endswith(".xlsx"):
        import pandas as pd

        return pl.from_pandas(pd.read_excel(out, engine="calamine")), summary
    return pl.read_csv(out, schema_overrides={"customer_id": pl.String}), summary


def features(frame: pl.DataFrame, columns=("recency_days", "frequency", "monetary")):
    """The matrix as the README defines it, built here: signed log1p, standardised."""
    x = frame.select(columns).to_numpy().astype(float)
    x = np.sign(x) * np.log1p(np.abs(x))
    std = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(std > 0, std, 1)


def test_known_groups_are_recovered_and_named(groups, tmp_path):
    from sklearn.metrics import adjusted_rand_score

    frame, summary = export(groups, tmp_path)
    clustering = summary["clustering"]
    assert clustering["k"] == 4 and clustering["k_chosen_by"] == "silhouette"
    truth = frame["customer_id"].str.slice(0, 1).to_list()
    assert adjusted_rand_score(truth, frame["cluster"].to_list()) == 1.0
    by_group = dict(frame.select(pl.col("customer_id").str.slice(0, 1), "cluster_label").unique()
                    .iter_rows())  # fmt: skip
    assert by_group["A"] == "recent, frequent, high spend"
    assert by_group["B"] == "lapsed, one-time, low spend"
    assert by_group["D"].startswith("recent, one-time")
    # numbered by revenue per customer: A, C, D, B
    number = dict(frame.select(pl.col("customer_id").str.slice(0, 1), "cluster").unique()
                  .iter_rows())  # fmt: skip
    assert [number[g] for g in "ACDB"] == [1, 2, 3, 4]
    sizes = {c["cluster"]: c["customers"] for c in clustering["clusters"]}
    assert sizes == {1: 40, 2: 50, 3: 30, 4: 60}


def test_names_follow_the_cluster_medians(tmp_path):
    """Each word of a name is the third of the base the cluster's median customer is in,
    recomputed here from the export (mid-rank: share below plus half the share equal)."""
    frame, summary = export(SAMPLE, tmp_path, "--k", "5")
    words = {"recency_days": ("recent", "cooling", "lapsed"),
             "frequency": ("frequent", "occasional", "infrequent"),
             "monetary": ("high spend", "mid spend", "low spend")}  # fmt: skip
    clusters = summary["clustering"]["clusters"]
    values = [c["revenue_per_customer"] for c in clusters]
    assert values == sorted(values, reverse=True)
    for c in clusters:
        members = frame.filter(pl.col("cluster") == c["cluster"])
        expected = []
        for column, names in words.items():
            median = members[column].median()
            assert c[f"median_{column}"] == pytest.approx(median, abs=0.005)
            x = frame[column]
            rank = (float((x < median).mean()) + float((x <= median).mean())) / 2
            third = 0 if rank < 1 / 3 else 1 if rank <= 2 / 3 else 2
            word = names[third if column == "recency_days" else 2 - third]
            expected.append("one-time" if column == "frequency" and median <= 1 else word)
        assert c["label"].split(" (")[0] == ", ".join(expected)
        assert set(members["cluster_label"]) == {c["label"]}
        segment = members["segment"].value_counts(sort=True)
        assert c["segment"] == segment["segment"][0]
        assert c["segment_share"] == pytest.approx(segment["count"][0] / members.height, abs=1e-4)


def test_row_order_changes_nothing(groups, tmp_path):
    shuffled = group_orders(tmp_path / "shuffled.csv", shuffle=7)
    a, sa = export(SAMPLE, tmp_path, name="a.csv")
    lines = SAMPLE.read_text().splitlines()
    body = lines[1:]
    random.Random(3).shuffle(body)
    (tmp_path / "sample_shuffled.csv").write_text("\n".join([lines[0], *body]) + "\n")
    b, sb = export(tmp_path / "sample_shuffled.csv", tmp_path, name="b.csv")
    assert a.sort("customer_id").equals(b.sort("customer_id"))
    assert sa["clustering"] == sb["clustering"]
    c, sc = export(groups, tmp_path, name="c.csv")
    d, sd = export(shuffled, tmp_path, name="d.csv")
    assert c.sort("customer_id").equals(d.sort("customer_id"))
    assert sc["clustering"] == sd["clustering"]


def test_silhouette_table_equals_scikit_learns(tmp_path):
    """Every k of the automatic table, refitted alone with --k: scikit-learn's silhouette
    of its clusters, on features built here, is the table's."""
    from sklearn.metrics import silhouette_score

    _, summary = export(SAMPLE, tmp_path, "--features", "recency,monetary")
    table = summary["clustering"]["k_table"]
    assert [row["k"] for row in table] == list(range(2, 11))
    for row in table:
        frame, alone = export(SAMPLE, tmp_path, "--features", "recency,monetary",
                              "--k", str(row["k"]))  # fmt: skip
        assert alone["clustering"]["k_table"] == [row]
        x = features(frame, ("recency_days", "monetary"))
        expected = silhouette_score(x, frame["cluster"].to_numpy())
        assert row["silhouette"] == pytest.approx(expected, abs=1e-6)
    best = max(table, key=lambda r: (r["silhouette"], -r["k"]))
    assert summary["clustering"]["k"] == best["k"]


def test_silhouette_on_a_sample_equals_scikit_learns(monkeypatch):
    """A base bigger than the silhouette sample: scikit-learn's silhouette on the sampled
    customers (their ids given back), features built here over all customers."""
    from sklearn.metrics import silhouette_score

    import custseg
    from custseg.cluster import fit

    monkeypatch.setattr(fit, "SILHOUETTE_SAMPLE", 300)
    monkeypatch.setattr(fit, "FIT_SAMPLE", 700)
    result = custseg.run_rfm(str(SAMPLE))
    clustering = custseg.cluster_customers(result, k=4, seed=11)
    assert clustering.silhouette_ids.len() == 300 and clustering.fit_customers == 700
    frame = pl.concat([result.frame, clustering.frame], how="horizontal")
    x = features(frame)
    chosen = frame["customer_id"].is_in(clustering.silhouette_ids.implode()).to_numpy()
    expected = silhouette_score(x[chosen], frame["cluster"].to_numpy()[chosen])
    assert clustering.k_table["silhouette"][0] == pytest.approx(expected, abs=1e-6)
    # another seed, other samples
    other = custseg.cluster_customers(result, k=4, seed=12)
    assert not other.silhouette_ids.equals(clustering.silhouette_ids)


@pytest.mark.parametrize("name", ["out.csv", "out.parquet", "out.xlsx"])
def test_exports_add_cluster_columns(groups, tmp_path, name):
    frame, summary = export(groups, tmp_path, "--lang", "zh", name=name)
    assert tuple(frame.columns) == EXPORT_COLUMNS + CLUSTER_COLUMNS
    assert frame.height == 180
    labels = {c["cluster"]: c["label"] for c in summary["clustering"]["clusters"]}
    assert dict(frame.select("cluster", "cluster_label").unique().iter_rows()) == labels
    assert labels[1] == "近期、高频、高消费"
    assert labels[4] == "久未购买、单次购买、低消费"


def test_json_has_the_k_table_centres_and_descriptions(groups):
    out = run("cluster", str(groups), "--as-of", AS_OF, "--json", "--k", "4", "--seed", "5")
    clustering = out["clustering"]
    assert out["customers"] == 180 and out["scheme"] == "default"
    assert clustering["k_table"][0]["k"] == 4 and clustering["k_chosen_by"] == "given"
    assert clustering["seed"] == 5 and clustering["features"] == ["recency", "frequency",
                                                                   "monetary"]  # fmt: skip
    first = clustering["clusters"][0]
    # centres in days, orders and money: group A's, back from the log scale
    assert 5 <= first["centre"]["recency_days"] <= 8
    assert first["centre"]["frequency"] == pytest.approx(12)
    assert 12 * 225 <= first["centre"]["monetary"] <= 12 * 275
    assert sum(c["customer_share"] for c in clustering["clusters"]) == pytest.approx(1, abs=1e-3)
    assert sum(c["revenue_share"] for c in clustering["clusters"]) == pytest.approx(1, abs=1e-3)
    assert {"segment", "segment_label", "segment_share"} <= set(first)


def test_on_scores_and_a_feature_subset(tmp_path):
    frame, summary = export(SAMPLE, tmp_path, "--on", "scores", "--features",
                            "frequency,recency", "--k", "3")  # fmt: skip
    clustering = summary["clustering"]
    assert clustering["on"] == "scores" and clustering["features"] == ["recency", "frequency"]
    assert set(clustering["clusters"][0]["centre"]) == {"r_score", "f_score"}
    assert all("spend" not in c["label"] for c in clustering["clusters"])
    assert frame["cluster"].n_unique() == 3


def test_cluster_and_segment_select_the_output(groups, tmp_path):
    frame, _ = export(groups, tmp_path, "--cluster", "1", "--cluster", "4")
    assert set(frame["cluster"]) == {1, 4} and frame.height == 100
    ids = tmp_path / "ids.txt"
    res = CliRunner().invoke(main, ["cluster", str(groups), "--as-of", AS_OF, "--cluster", "1",
                                    "--ids-only", "-o", str(ids), "-q"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert sorted(ids.read_text().split()) == [f"A{i:03d}" for i in range(40)]
    frame, _ = export(groups, tmp_path, "--cluster", "1", "--segment", "high-value")
    assert set(frame["segment"]) <= {"high-value"} and set(frame["cluster"]) == {1}


def test_chunked_run_gives_the_same_clusters(tmp_path):
    a, sa = export(SAMPLE, tmp_path, name="memory.csv")
    b, sb = export(SAMPLE, tmp_path, "--chunked", "--memory-limit", "64M", name="parts.csv")
    assert a.equals(b) and sa["clustering"] == sb["clustering"]


def test_terminal_view_in_both_languages(groups):
    res = CliRunner().invoke(main, ["cluster", str(groups), "--as-of", AS_OF])
    assert res.exit_code == 0, res.output
    assert "Choice of k" in res.output and "recent, frequent, high spend" in res.output
    res = CliRunner().invoke(main, ["cluster", str(groups), "--as-of", AS_OF, "--lang", "zh"])
    assert res.exit_code == 0, res.output
    assert "k 的选择" in res.output and "近期、高频、高消费" in res.output


@pytest.mark.parametrize(
    "rows,args,message",
    [
        (3, ["--k", "3"], "--k 3 needs more than 3 customers; there are 3: choose at most 2"),
        (40, ["--k", "50"], "--k 50 needs more than 50 customers; there are 40: choose at most 39"),
        (2, [], "clustering needs at least 3 customers; there are 2"),
    ],
)
def test_errors_are_one_line(tmp_path, rows, args, message):
    path = tmp_path / "few.csv"
    lines = ["customer_id,order_date,amount"]
    lines += [f"c{i},2024-0{1 + i % 9}-01,{10 + i}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n")
    res = CliRunner().invoke(main, ["cluster", str(path), *args])
    assert res.exit_code == 1
    assert res.output == f"Error: {message}\n"


def test_same_customers_everywhere_is_an_error(tmp_path):
    path = tmp_path / "same.csv"
    path.write_text("customer_id,order_date,amount\n" + "".join(
        f"c{i},2024-01-01,10\n" for i in range(5)))  # fmt: skip
    res = CliRunner().invoke(main, ["cluster", str(path)])
    assert res.exit_code == 1 and res.output.startswith("Error: all 5 customers have the same")
    res = CliRunner().invoke(main, ["cluster", str(path), "--k", "2"])
    assert res.exit_code == 1 and "distinct customer profiles" in res.output


def test_usage_errors_exit_2(groups):
    for args in (["--k", "1"], ["--features", "recency,age"], ["--on", "both"],
                 ["--cluster", "9", "-q"], ["--k", "3", "--cluster", "4"]):  # fmt: skip
        res = CliRunner().invoke(main, ["cluster", str(groups), "--as-of", AS_OF, *args])
        assert res.exit_code == 2, (args, res.output)
        assert "Traceback" not in res.output


def test_python_api_takes_frames_and_leaves_them_alone():
    import custseg

    result = custseg.run_rfm(str(SAMPLE))
    customers = result.customers  # pandas
    before = customers.copy()
    from_pandas = custseg.cluster_customers(customers, k=3, table=result.table)
    from_result = custseg.cluster_customers(result, k=3)
    assert customers.equals(before)
    assert from_pandas.frame.equals(from_result.frame)
    assert from_pandas.clusters.equals(from_result.clusters)
    assert from_result.centres.columns == ["cluster", "recency_days", "frequency", "monetary"]
    with pytest.raises(custseg.CustsegError, match="customer_id"):
        custseg.cluster_customers(customers.drop(columns="customer_id"))


def test_help_imports_no_heavy_library():
    """`custseg --help` and `custseg cluster --help` import neither scikit-learn nor the
    clustering code (checked in a fresh interpreter)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from custseg.cli import main\n"
        "for args in (['--help'], ['cluster', '--help'], ['report', '--help']):\n"
        "    assert CliRunner().invoke(main, args).exit_code == 0\n"
        "heavy = ('sklearn', 'scipy', 'polars', 'numpy', 'custseg.cluster')\n"
        "print([m for m in sys.modules if m.startswith(heavy)])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/real is absent")
def test_real_shop():
    path = REAL / "cn_taobao_shop_2019h1" / "taobao_orders_2019h1.csv"
    out = run("cluster", str(path), "--json")
    clustering = out["clustering"]
    assert sum(c["customers"] for c in clustering["clusters"]) == out["customers"]
    assert 2 <= clustering["k"] <= 10
    values = [c["revenue_per_customer"] for c in clustering["clusters"]]
    assert values == sorted(values, reverse=True)


def test_report_section(groups, tmp_path, monkeypatch):
    import custseg
    from custseg.report import cluster_html
    from custseg.report.data import report_data

    out = tmp_path / "report.html"
    res = CliRunner().invoke(main, ["report", str(groups), "--as-of", AS_OF, "--cluster",
                                    "--lang", "zh", "-o", str(out), "-q"])  # fmt: skip
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert 'id="chart-clusters"' in page and 'id="chart-kchoice"' in page
    assert "近期、高频、高消费" in page
    monkeypatch.setattr(cluster_html, "MAX_POINTS", 50)
    result = custseg.run_rfm(str(groups), custseg.LoadOptions(as_of=dt.date.fromisoformat(AS_OF)))
    data = report_data(result, clustering=custseg.cluster_customers(result))["cluster"]
    assert data["shown"] == 50 == sum(len(c["points"]) for c in data["clusters"])
    assert data["log"] and [r["k"] for r in data["k_table"]] == list(range(2, 11))
