"""The ``cluster`` command, and the clustering options ``report --cluster`` shares."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from custseg.cli.options import (
    Loader,
    chunked_option,
    lifecycle_options,
    loader_options,
    memory_limit_option,
    option_group,
    order_file,
    segment_option,
)
from custseg.cli.output import OutputOptions, emit, handle_errors, make_console, output_options
from custseg.cli.progress import Progress, run_with_progress
from custseg.cli.scheme import Scheme, scheme_options, warn_rules
from custseg.report.safety import terminal_json
from custseg.schema import CLUSTER_FEATURES, CLUSTER_K_RANGE, CLUSTER_ON

if TYPE_CHECKING:
    from custseg.cluster.run import Clustering, ClusterSpec
    from custseg.engines.run import RfmResult


def _features(ctx, param, value: str) -> tuple[str, ...]:
    names = tuple(v.strip() for v in value.split(",") if v.strip())
    unknown = [n for n in names if n not in CLUSTER_FEATURES]
    if unknown or not names:
        raise click.BadParameter(f"{value!r}: give one or more of {','.join(CLUSTER_FEATURES)}, "
                                 "separated by commas")  # fmt: skip
    return names


def _spec(k: int | None, features: tuple[str, ...], on: str, seed: int) -> ClusterSpec:
    from custseg.cluster.run import ClusterSpec

    return ClusterSpec(k, features, on, seed)


_LOW, _HIGH = CLUSTER_K_RANGE
_CLUSTER = [
    click.option(
        "--k",
        type=click.IntRange(_LOW),
        metavar="N",
        help=f"Number of clusters (default: the k from {_LOW} to {_HIGH} with the best "
        "silhouette).",
    ),
    click.option(
        "--features",
        default=",".join(CLUSTER_FEATURES),
        show_default=True,
        callback=_features,
        metavar="LIST",
        help="What to cluster on, comma-separated: recency (days since the last order), "
        "frequency (orders), monetary (spend).",
    ),
    click.option(
        "--on",
        type=click.Choice(CLUSTER_ON),
        default=CLUSTER_ON[0],
        show_default=True,
        help="values: the measures through log1p, then standardised; scores: the R/F/M "
        "scores of --scheme's scoring, standardised.",
    ),
    click.option(
        "--seed",
        type=click.IntRange(0, 2**32 - 1),
        default=0,
        show_default=True,
        help="Seed of the samples and of K-Means: the same file and seed give the same "
        "clusters, whatever the order of its rows.",
    ),
]
#: The clustering options (``cluster``, ``report --cluster``): ``cluster: ClusterSpec``.
cluster_options = option_group("cluster", _CLUSTER, _spec)


@click.command()
@handle_errors
@order_file
@loader_options
@scheme_options
@lifecycle_options
@cluster_options
@segment_option
@click.option(
    "--cluster",
    "clusters",
    multiple=True,
    type=click.IntRange(1),
    metavar="N",
    help="Keep only customers of cluster N in the output (repeatable; with --segment, "
    "those of both).",
)
@output_options
@chunked_option
@memory_limit_option
def cluster(file: str, load: Loader, scheme: Scheme, lifecycle, cluster: ClusterSpec,
            segments: tuple[str, ...], clusters: tuple[int, ...], output: OutputOptions,
            chunked: bool, memory_limit: int | None) -> None:  # fmt: skip
    """Group customers by K-Means on recency, frequency and spend, into clusters named
    for what sets them apart.

    Same loader, cleaning, accounting and options as 'rfm'. Each feature goes
    through log1p (spend and orders are skewed) and is standardised; without --k,
    k = 2..10 are tried and the best silhouette wins (the table of k, inertia and
    silhouette is shown). Customers are sorted by id before fitting and the samples
    and K-Means are seeded (--seed), so row order changes nothing.

    \b
    Clusters are numbered by revenue per customer (1 = the most), described by
    their median recency, orders and spend and their share of customers and
    revenue, named against the whole base (each median in the lowest, middle
    or highest third: "recent, frequent, high spend"; 近期、高频、高消费 with
    --lang zh), and matched to the --scheme segment most of their customers
    are in. Big bases: K-Means on a seeded sample of 20,000 customers, every
    customer then given the nearest centre; the silhouette on a seeded sample
    of 5,000; inertia is the fit sample's.

    Exports add cluster and cluster_label to rfm's columns.

    \b
    Examples:
      custseg cluster orders.csv
      custseg cluster orders.csv --k 4 -o clusters.csv
      custseg cluster orders.csv --features recency,monetary --json
      custseg cluster orders.csv --on scores --lang zh --cluster 1 --ids-only
    """
    from custseg.cli.rfm import check_before_work

    if not output.quiet:
        warn_rules(scheme)
    check_before_work(file, load, scheme, segments, output, None)
    _check_clusters(clusters, cluster.k)  # before any work when --k tells how many
    result, clustering = run_clustering(file, load, scheme, lifecycle, cluster, output,
                                        chunked, memory_limit)  # fmt: skip
    _check_clusters(clusters, clustering.k)
    emit(lambda: export_frame(result, clustering, scheme.lang, segments, clusters), output,
         result.plain_text(scheme.lang))  # fmt: skip
    if output.as_json:
        click.echo(terminal_json(summary_dict(result, clustering, scheme.lang), indent=2))
    elif not output.silent:
        from custseg.report.cluster import cluster_view

        console = make_console(stderr=output.to_stdout)
        console.print(cluster_view(result, clustering, scheme.lang))


def _check_clusters(clusters: tuple[int, ...], k: int | None) -> None:
    """A usage error (exit 2) for a ``--cluster`` beyond the ``k`` clusters."""
    too_high = [n for n in clusters if k is not None and n > k]
    if too_high:
        raise click.BadParameter(f"{too_high[0]}: there are {k} clusters", param_hint="--cluster")


def run_clustering(file: str, load: Loader, scheme: Scheme, lifecycle, spec: ClusterSpec,
                   output: OutputOptions, chunked: bool = False,
                   memory_limit: int | None = None) -> tuple[RfmResult, Clustering]:  # fmt: skip
    """The run, then its customers clustered."""
    from custseg.cli.output import in_background
    from custseg.cluster.run import cluster_customers

    # scikit-learn imported while the file is read (0.9 s of Python the Polars work overlaps)
    imported = in_background(_import_sklearn)
    progress = Progress(output.silent, file)
    result = run_with_progress(file, load, lifecycle, progress, scheme,
                               chunked=chunked or None, memory_limit=memory_limit,
                               quiet=output.quiet, excel_safe=output.excel_safe)  # fmt: skip
    imported()
    with _status(output, scheme.lang, spec):
        clustering = cluster_customers(result, spec.k, spec.features, spec.on, spec.seed,
                                       lang=scheme.lang)  # fmt: skip
    return result, clustering


def _status(output: OutputOptions, lang: str, spec: ClusterSpec):
    """A spinner on stderr while K-Means runs (a terminal only, not with -q or --json)."""
    import contextlib
    import sys

    if output.silent or not sys.stderr.isatty():
        return contextlib.nullcontext()
    from custseg.report.i18n import t

    low, high = (spec.k, spec.k) if spec.k else CLUSTER_K_RANGE
    return make_console(stderr=True).status(t("cl_working", lang, low=low, high=high))


def _import_sklearn() -> None:
    import sklearn.cluster  # noqa: F401
    import sklearn.metrics  # noqa: F401


def export_frame(result: RfmResult, clustering: Clustering, lang: str,
                 segments: tuple[str, ...], clusters: tuple[int, ...]) -> Any:  # fmt: skip
    """rfm's export columns, then ``cluster`` and ``cluster_label`` (only ``segments`` and
    ``clusters``, when given)."""
    import polars as pl

    frame = pl.concat([result.labelled(lang), clustering.frame], how="horizontal")
    if segments:
        frame = frame.filter(pl.col("segment").is_in(list(segments)))
    if clusters:
        frame = frame.filter(pl.col("cluster").is_in(list(clusters)))
    return frame


def summary_dict(result: RfmResult, clustering: Clustering, lang: str) -> dict[str, Any]:
    """rfm's ``--json`` with the clustering: the k table, the centres in the features'
    units and each cluster's description."""
    from custseg.cli.rfm import summary_dict as rfm_dict

    out = rfm_dict(result, lang)
    out["clustering"] = clustering.as_dict()
    return out
