"""The terminal view of a clustering: the choice of k and the clusters, in order of value.
Functions return renderables; they never print."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

from custseg.report.i18n import t
from custseg.report.safety import plain, terminal_style
from custseg.report.terminal import run_header

if TYPE_CHECKING:
    from custseg.cluster.run import Clustering
    from custseg.engines.run import RfmResult


def cluster_view(result: RfmResult, clustering: Clustering, lang: str = "en") -> Group:
    """``custseg cluster``'s summary: the run header, the k table and the clusters."""
    header = run_header(result.report, result.frame.height, lang)
    return Group(header, Text(""), k_table(clustering, lang), Text(""),
                 clusters_table(result, clustering, lang))  # fmt: skip


def features_text(clustering: Clustering, lang: str) -> str:
    """The features clustered on, in ``lang`` (``recency, frequency, spend``)."""
    sep = "、" if lang == "zh" else ", "
    names = sep.join(t(f"feat_{f}", lang) for f in clustering.spec.features)
    return t("feat_scores", lang, features=names) if clustering.spec.on == "scores" else names


def k_table(clustering: Clustering, lang: str = "en") -> Table:
    """Per k tried: inertia and silhouette, the chosen k marked."""
    sizes = {"sil": f"{clustering.silhouette_ids.len():,}", "fit": f"{clustering.fit_customers:,}"}
    given = clustering.spec.k is not None
    title = (
        t("cl_k_given", lang, k=clustering.k, **sizes) if given else t("cl_k_title", lang, **sizes)
    )
    table = Table(title=title, title_justify="left")
    table.add_column("k", justify="right")
    table.add_column(t("cl_inertia", lang), justify="right")
    table.add_column(t("cl_silhouette", lang), justify="right")
    table.add_column("")
    for row in clustering.k_table.iter_rows(named=True):
        sil = "-" if row["silhouette"] is None else f"{row['silhouette']:.4f}"
        mark = t("cl_chosen", lang) if row["k"] == clustering.k and not given else ""
        style = "bold" if row["k"] == clustering.k else ""
        table.add_row(str(row["k"]), f"{row['inertia']:,.1f}", sil, mark, style=style)
    return table


def clusters_table(result: RfmResult, clustering: Clustering, lang: str = "en") -> Table:
    """Per cluster: name, size and revenue shares, medians, revenue per customer and the
    main segment with its share of the cluster."""
    title = t("cl_title", lang, k=clustering.k, features=features_text(clustering, lang))
    table = Table(title=title, title_justify="left", caption=t("cl_caption", lang),
                  caption_justify="left", show_edge=False)  # fmt: skip
    keys = ("cl_name", "customers", "share", "revenue_share", "cl_median_recency",
            "cl_median_orders", "cl_median_spend", "cl_per_customer", "cl_segment")  # fmt: skip
    for key in keys:
        left = key in ("cl_name", "cl_segment")
        table.add_column(t(key, lang), justify="left" if left else "right", no_wrap=left)
    for row in clustering.clusters.iter_rows(named=True):
        table.add_row(
            plain(f"{row['cluster']:>2} {row['label']}"), f"{row['customers']:,}",
            f"{row['customer_share']:.1%}", _share(row["revenue_share"]),
            f"{row['median_recency_days']:,.0f}", f"{row['median_frequency']:,.1f}",
            f"{row['median_monetary']:,.0f}", f"{row['revenue_per_customer']:,.0f}",
            _segment(result, row, lang),
        )  # fmt: skip
    return table


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _segment(result: RfmResult, row: dict, lang: str) -> Text:
    if row.get("segment") is None:
        return Text("-")
    info = result.table.info(row["segment"])
    name = info.label_in(lang) if lang == "zh" else row["segment"]
    text = plain(name, terminal_style(info.color))
    text.append(f" ({row['segment_share']:.0%})")
    return text
