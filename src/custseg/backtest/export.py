"""What a backtest hands on: the per-segment tables as one frame (``-o``) and the whole
as a dict (``--json``), with stable keys."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import polars as pl

from custseg.backtest import tables

if TYPE_CHECKING:
    from custseg.backtest.run import Backtest, SchemeFigures


def export_frame(out: Backtest, lang: str = "en") -> pl.DataFrame:
    """The per-segment tables as one frame (``-o``): per scheme in the order given, a row
    ``all`` for every customer, then one per segment; columns ``scheme``, ``group`` (``all``
    or the segment), ``label`` (in ``lang``) and the figures of
    :data:`custseg.backtest.tables.SEGMENT_COLUMNS`."""
    overall = pl.DataFrame([{"segment": tables.ALL, **out.overall}])
    frames = []
    for scheme in out.schemes:
        labels = [scheme.table.info(s).label_in(lang) for s in scheme.figures["segment"]]
        rows = pl.concat([overall.with_columns(label=pl.lit("")),
                          scheme.figures.with_columns(label=pl.Series(labels, dtype=pl.String))],
                         how="diagonal_relaxed")  # fmt: skip
        frames.append(rows.with_columns(scheme=pl.lit(scheme.name)))
    figures = [c for c in tables.SEGMENT_COLUMNS if c != "segment"]
    return pl.concat(frames).select("scheme", pl.col("segment").alias("group"), "label", *figures)


def as_dict(out: Backtest, lang: str = "en") -> dict[str, Any]:
    """The backtest as ``--json`` shows it (the run's row accounting apart)."""
    spec = out.spec
    data: dict[str, Any] = {
        "as_of": spec.as_of.isoformat(),
        "window": spec.window,
        "window_days": spec.window_days,
        "window_start": (spec.as_of + dt.timedelta(days=1)).isoformat(),
        "window_end": spec.window_end.isoformat(),
        "customers": out.result.frame.height,
        "overall": out.overall,
        "newcomers": out.newcomers,
        "best_scheme": out.best_scheme,
        "schemes": [_scheme_dict(s, lang) for s in out.schemes],
        "p_alive": None,
    }
    if out.deciles is not None and out.prediction is not None:
        data["p_alive"] = {
            "model": spec.model,
            "auc": out.p_alive_auc,
            "deciles": out.deciles.to_dicts(),
        }
    return data


def _scheme_dict(scheme: SchemeFigures, lang: str) -> dict[str, Any]:
    rows = [{**row, "label": scheme.table.info(row["segment"]).label_in(lang)}
            for row in scheme.figures.to_dicts()]  # fmt: skip
    return {
        "scheme": scheme.name,
        "scoring": scheme.scoring.method,
        "cut_points": scheme.cuts,
        "auc": scheme.auc,
        "segments_used": scheme.segments_used,
        "segments": rows,
    }
