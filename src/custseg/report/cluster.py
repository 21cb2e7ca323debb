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


class _Fitted:
    """``wide`` on a console at least :data:`WIDE` columns wide, else ``narrow``."""

    WIDE = 100

    def __init__(self, wide, narrow) -> None:
        self.wide, self.narrow = wide, narrow

    def __rich_console__(self, console, options):
        yield self.wide if options.max_width >= self.WIDE else self.narrow


def clusters_table(result: RfmResult, clustering: Clustering, lang: str = "en") -> _Fitted:
    """Per cluster: name, size and revenue shares, medians, revenue per customer and the
    main segment with its share of the cluster; on a narrow terminal, two tables (the
    names and segments, then the figures)."""
    wide = _table(result, clustering, lang, ("cl_name", "customers", "share", "revenue_share",
                  "cl_median_recency", "cl_median_orders", "cl_median_spend",
                  "cl_per_customer", "cl_segment"))  # fmt: skip
    names = _table(result, clustering, lang, ("cl_name", "cl_segment"), caption=False)
    figures = _table(result, clustering, lang, ("cl_cluster", "customers", "share",
                     "revenue_share", "cl_median_recency", "cl_median_orders",
                     "cl_median_spend", "cl_per_customer"), title=False)  # fmt: skip
    return _Fitted(wide, Group(names, figures))


def _table(result: RfmResult, clustering: Clustering, lang: str, keys: tuple[str, ...],
           title: bool = True, caption: bool = True) -> Table:  # fmt: skip
    heading = t("cl_title", lang, k=clustering.k, features=features_text(clustering, lang))
    table = Table(title=heading if title else None, title_justify="left", show_edge=False,
                  caption=t("cl_caption", lang) if caption else None,
                  caption_justify="left")  # fmt: skip
    for key in keys:
        text = key in ("cl_name", "cl_segment")  # the columns to wrap on a narrow terminal
        # a figure's heading on two lines ("Rev.\nshare"): the column as narrow as its figures
        heading = t(key, lang) if text else t(key, lang).replace(" ", "\n", 1)
        table.add_column(heading, justify="left" if text else "right", no_wrap=not text)
    for row in clustering.clusters.iter_rows(named=True):
        cells: dict[str, str | Text] = {
            "cl_cluster": str(row["cluster"]),
            "cl_name": plain(f"{row['cluster']:>2} {row['label']}"),
            "customers": f"{row['customers']:,}",
            "share": f"{row['customer_share']:.1%}",
            "revenue_share": _share(row["revenue_share"]),
            "cl_median_recency": f"{row['median_recency_days']:,.0f}",
            "cl_median_orders": f"{row['median_frequency']:,.1f}",
            "cl_median_spend": f"{row['median_monetary']:,.0f}",
            "cl_per_customer": f"{row['revenue_per_customer']:,.0f}",
            "cl_segment": _segment(result, row, lang),
        }
        table.add_row(*(cells[key] for key in keys))
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
