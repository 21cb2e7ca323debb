"""The options of ``rfm`` that follow customers from run to run: ``--previous`` (what changed
since the last run, and why), ``--changed-only``, ``--entered``, ``--left``, ``--cuts-from``
(frozen cut points) and ``--downgrade`` (days until the segment changes), handed to the
command as one :class:`Tracking`; what they add to the export, the summary and ``--json``
(:class:`Tracked`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from custseg.cli.options import option_group

if TYPE_CHECKING:
    import polars as pl

    from custseg.cli.scheme import Scheme
    from custseg.engines.run import RfmResult
    from custseg.segments.changes import Changes


@dataclass(frozen=True)
class Tracking:
    """The options as given (see the module docstring)."""

    previous: str | None = None
    changed_only: bool = False
    entered: tuple[str, ...] = ()
    left: tuple[str, ...] = ()
    cuts_from: str | None = None
    downgrade: bool = False

    def flags(self) -> dict[str, Any]:
        """The options by parameter name (for the Spark engine's refusals)."""
        return dataclasses.asdict(self)

    def prepare(self, scheme: Scheme, predicting: bool = False) -> tuple[Scheme, Any]:
        """Before the run: the scheme scoring with ``--cuts-from``'s cut points (checked),
        and the previous run read (None without ``--previous``); usage errors (exit 2) for
        segments the scheme lacks or options ``--predict`` does not take, CustsegError
        (exit 1) for a file that does not fit."""
        from custseg.report.safety import visible

        known = scheme.table.segment_names()
        for flag, names in (("--entered", self.entered), ("--left", self.left)):
            for name in names:
                if name not in known:
                    raise click.BadParameter(
                        f"{name!r} is not a segment of scheme "
                        f"{scheme.table.name!r}; choose from "
                        f"{visible(', '.join(known))}",
                        param_hint=flag,
                    )
        if predicting and (self.previous or self.downgrade):
            raise click.UsageError(
                "--previous and --downgrade are not available with --predict; run them without it"
            )
        if self.cuts_from:
            from custseg.segments.frozen import load_cuts

            cuts = load_cuts(self.cuts_from, scheme.scoring)
            scoring = dataclasses.replace(scheme.scoring, frozen=cuts)
            scheme = dataclasses.replace(scheme, scoring=scoring)
        previous = None
        if self.previous:
            from custseg.io.previous import read_previous

            previous = read_previous(self.previous)
        return scheme, previous

    def follow(self, result: RfmResult, previous, lang: str) -> Tracked:
        """After the run: the comparison with ``previous`` and the days to the next
        segment change, as asked."""
        changes = drop = None
        if previous is not None:
            from custseg.segments.changes import compare_runs

            changes = compare_runs(result, previous, lang)
        if self.downgrade:
            from custseg.segments.downgrade import days_to_downgrade

            drop = days_to_downgrade(result.frame, result.cuts, result.table)
        return Tracked(self, changes, drop)


@dataclass
class Tracked:
    """What a run adds with the tracking options: the comparison, the days to the next
    segment change (a frame row for row with the run's)."""

    tracking: Tracking
    changes: Changes | None = None
    drop: pl.DataFrame | None = None

    def export(
        self, result: RfmResult, lang: str, actions: bool, segments: tuple[str, ...]
    ) -> pl.DataFrame:
        """The export's frame: the run's labelled frame with the change and downgrade
        columns, keeping the customers ``--segment`` and the selections ask for."""
        import polars as pl

        if self.changes is None and self.drop is None:
            return result.labelled(lang, actions, segments)
        frame = result.labelled(lang, actions)
        keep = pl.repeat(True, frame.height, eager=True)
        if segments:
            keep = frame["segment"].is_in(list(segments))
        if self.changes is not None:
            t = self.tracking
            frame = pl.concat([frame, self.changes.frame], how="horizontal")
            keep = keep & self.changes.mask(frame["segment"], t.changed_only, t.entered, t.left)
        if self.drop is not None:
            frame = pl.concat([frame, self.drop], how="horizontal")
        return frame.filter(keep)

    def summary(self) -> dict:
        """What ``--json`` adds: ``changes`` (counts, the matrix, the previous cut points
        and how they were found), ``cut_points_from``, ``downgrade``."""
        out: dict[str, Any] = {}
        if self.tracking.cuts_from:
            out["cut_points_from"] = self.tracking.cuts_from
        if self.changes is not None:
            from custseg.report.changes import changes_dict

            out["changes"] = changes_dict(self.changes, self.tracking.previous or "")
        if self.drop is not None:
            from custseg.report.changes import downgrade_dict

            out["downgrade"] = downgrade_dict(self.drop)
        return out

    def view(self, table, lang: str):
        """The tables and lines the terminal summary adds (a rich renderable)."""
        from custseg.report.changes import tracked_view

        return tracked_view(self, table, lang)


def _tracking(previous, changed_only, entered, left, cuts_from, downgrade) -> Tracking:
    if (changed_only or entered or left) and not previous:
        raise click.UsageError(
            "--changed-only, --entered and --left select customers by "
            "what changed since the last run: give --previous FILE"
        )
    return Tracking(previous, changed_only, tuple(entered), tuple(left), cuts_from, downgrade)


_TRACKING = [
    click.option(
        "--previous",
        metavar="FILE",
        help="The export of a previous 'custseg rfm -o' run (CSV, Parquet, .xlsx, JSON, "
        "JSON Lines; any --lang, --actions, --excel-safe, --bom): add previous_segment, "
        "segment_changed and change_reason (why, in words: the customer's own change, or "
        "the cut points moving past them) to -o, and the moves between segments (customers "
        "and revenue, new and gone ones) to the summary and --json. Customers are matched "
        "on the id as text. -o may name the same file: it is read before it is replaced.",
    ),
    click.option(
        "--changed-only",
        is_flag=True,
        help="With --previous: keep only the customers whose segment changed (new ones too).",
    ),
    click.option(
        "--entered",
        multiple=True,
        metavar="SEGMENT",
        help="With --previous: keep the customers now in SEGMENT who were not before (new "
        "customers included); repeatable. Combines with --left and --segment (all must hold).",
    ),
    click.option(
        "--left",
        multiple=True,
        metavar="SEGMENT",
        help="With --previous: keep the customers who were in SEGMENT and are now in "
        "another (those gone from the input are counted in the summary, not listed).",
    ),
    click.option(
        "--cuts-from",
        metavar="FILE",
        help="Score with the cut points of FILE (what --thresholds wrote) instead of "
        "computing new ones, so that a customer's scores move only when the customer does. "
        "Checked first: the same measures, scoring method and levels as this run.",
    ),
    click.option(
        "--downgrade",
        is_flag=True,
        help="Add days_to_downgrade and next_segment to -o: the days until the customer's "
        "segment changes if they do not buy (their recency passing the next R cut point, or "
        "a rule's recency_days bound, that changes it) and the segment they then fall into, "
        "from today's cut points and rules; empty when no later day changes it.",
    ),
]
#: The options that follow customers from run to run: ``tracking: Tracking``.
tracking_options = option_group("tracking", _TRACKING, _tracking)
_REPORT_PREVIOUS = click.option(
    "--previous",
    metavar="FILE",
    help="The export of a previous 'custseg rfm -o' run: add a section with the moves "
    "between segments since then (customers and revenue, new and gone ones).",
)
#: ``report``'s: ``--previous`` and ``--cuts-from``.
report_tracking_options = option_group(
    "tracking",
    [_REPORT_PREVIOUS, _TRACKING[4]],
    lambda previous, cuts_from: Tracking(previous, cuts_from=cuts_from),
)
