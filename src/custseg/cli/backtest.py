"""The ``backtest`` command: the segments made on a day against who bought in the window
after it, per scheme compared, and per decile of P(alive)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from custseg.cli.options import (
    Loader,
    chunked_option,
    loader_options,
    memory_limit_option,
    option_group,
    order_file,
)
from custseg.cli.output import (
    OutputOptions,
    check_format,
    check_paths,
    emit,
    handle_errors,
    make_console,
    rows_dict,
    table_output_options,
)
from custseg.cli.params import BUILTIN_SCHEMES, Window
from custseg.cli.progress import Progress, run_with_progress
from custseg.cli.scheme import _SCHEME, Scheme, _scheme, warn_rules
from custseg.report.safety import terminal_json
from custseg.schema import MODELS

if TYPE_CHECKING:
    from custseg.backtest.run import Backtest, BacktestSpec

#: The help of the shared options whose meaning differs here, by parameter name.
_HELP = {
    "as_of": "The day the segments are made (YYYY-MM-DD or 'today'): customers are "
    "measured, scored and segmented on the orders up to it, as 'rfm --as-of' does; the "
    "orders of the window after it are the outcome.",
    "rules_file": "Your own rule table (TOML), tested first and compared with each --scheme given.",
    "output": "Write the per-segment tables to PATH: per scheme, a row 'all', then one "
    "per segment (buyers, buy rate and its interval, lift, orders, revenue...).",
    "as_json": "Print the backtest as JSON on stdout (not with -o -: exit 2).",
}


def _backtest_help(command: Callable[..., Any]) -> Callable[..., Any]:
    """The shared options' help texts of :data:`_HELP`, and --as-of shown as required
    (the option objects are this command's own; the command checks --as-of is given: its
    default, None, is a value to click)."""
    for param in command.__click_params__:  # type: ignore[attr-defined]
        if param.name in _HELP:
            param.help = _HELP[param.name]
        if param.name == "as_of":
            param.required = True
    return command


def _schemes(scheme: tuple[str, ...], rules_file: str | None, **scoring: Any) -> tuple[Scheme, ...]:
    """The schemes compared: the --rules table first, then each --scheme ('all': every
    built-in one), each scored as --scoring/--bins say, else as it asks; 'default' when
    neither is given."""
    names = [n for name in scheme for n in (BUILTIN_SCHEMES if name == "all" else (name,))]
    names = list(dict.fromkeys(names or ([] if rules_file else ["default"])))
    found = [_scheme("default", rules_file, **scoring)] if rules_file else []
    return tuple(found + [_scheme(name, None, **scoring) for name in names])


_SCHEMES = [
    click.option(
        "--scheme",
        multiple=True,
        metavar="NAME",
        help=f"Built-in scheme to test, repeatable to compare several ({', '.join(BUILTIN_SCHEMES)}"
        ", or 'all'); the first is tested in full, and with two or more a table ranks them "
        "by how well they separate buyers from non-buyers. Default: default (none with "
        "--rules).",
    ),
    *_SCHEME[1:],  # --rules (tested first), --scoring, --bins, --r/f/m-edges, --lang
]
#: The schemes to compare: ``schemes: tuple[Scheme, ...]``.
compare_options = option_group("schemes", _SCHEMES, _schemes)


@click.command()
@handle_errors
@_backtest_help
@order_file
@loader_options
@click.option("--window", type=Window(), default="90d", show_default=True,
              help="The days after --as-of whose orders are the outcome: 30d, 12w, 3m, 1y "
              "(whole days: 3m is 91, 1y 365). Refused when the input ends before the "
              "window does.")  # fmt: skip
@compare_options
@click.option("--p-alive", "p_alive", is_flag=True,
              help="Also fit --model on the orders up to --as-of and show, per decile of "
              "P(alive), who bought in the window and the transactions it expected "
              "(a check of the model; costs a fit).")  # fmt: skip
@click.option("--model", type=click.Choice(MODELS), default=MODELS[0], show_default=True,
              help="Count model of --p-alive (see 'custseg predict').")  # fmt: skip
@table_output_options
@chunked_option
@memory_limit_option
def backtest(file: str, load: Loader, window: str, schemes: tuple[Scheme, ...], p_alive: bool,
             model: str, output: OutputOptions, chunked: bool,
             memory_limit: int | None) -> None:  # fmt: skip
    """Test the segments: segment the customers as of --as-of, then show, per segment,
    how many of them bought in the --window after it (buy rate, with its 95% Wilson
    interval, and lift over all customers' rate), their orders and revenue in it.

    Same loader, cleaning and row accounting as 'rfm'; the input is read once, up to
    the window's last day (rows after it are left out as 'after the window'). Orders
    and revenue are rfm's frequency and monetary over the window: purchases (amount 0
    or more) and all amounts net of returns. Customers who first bought in the window
    are in no segment: counted apart. A window that runs past the last order is refused.

    Each scheme's separation of buyers from non-buyers is the AUC of its segments
    ordered by their buy rate (scikit-learn's roc_auc_score): 0.5 is chance, 1 perfect.
    -o writes, per scheme, a row 'all' and one per segment.

    \b
    Examples:
      custseg backtest orders.csv --as-of 2025-09-30
      custseg backtest orders.csv --as-of 2025-06-30 --window 3m --scheme all
      custseg backtest orders.csv --as-of 2025-09-30 --p-alive --json
      custseg backtest orders.csv --as-of 2025-09-30 -o backtest.csv --lang zh
    """
    from custseg.backtest.run import BacktestSpec

    if load.options.as_of is None:
        raise click.UsageError("--as-of DATE is required: the day the segments are made")
    if load.options.by:
        raise click.UsageError("--by is not available with backtest; run without it")
    spec = BacktestSpec(load.options.as_of, window, p_alive, model)
    lang = schemes[0].lang
    if not output.quiet:
        for scheme in schemes:
            warn_rules(scheme)
    check_format(output)
    rules = next((s.rules_file for s in schemes if s.rules_file), None)
    check_paths(
        file,
        load.output_paths(output.path),
        rules,
        output,
    )
    out = _run(file, load, schemes, spec, output, chunked, memory_limit)
    from custseg.backtest.export import export_frame

    emit(lambda: export_frame(out, lang), output)
    notes = tuple(_notes(out, lang))
    if output.as_json:
        data = {"rows": rows_dict(out.result.report), **_json(out, lang)}
        click.echo(terminal_json(data, indent=2))
    elif not output.quiet:
        from custseg.report.backtest import backtest_view

        make_console(stderr=output.to_stdout).print(backtest_view(out, lang, notes))


def _run(file: str, load: Loader, schemes: tuple[Scheme, ...], spec: BacktestSpec,
         output: OutputOptions, chunked: bool, memory_limit: int | None) -> Backtest:  # fmt: skip
    """The run up to the window's end (segmented by the first scheme), then the backtest."""
    from custseg.backtest.run import backtest
    from custseg.errors import NoCustomersError
    from custseg.measures.plan import Lifecycle

    run_load = Loader(spec.load_options(load.options), load.rejects)
    try:
        result = run_with_progress(file, run_load, Lifecycle(), Progress(output.silent, file),
                                   schemes[0], chunked=chunked or None,
                                   memory_limit=memory_limit, quiet=output.quiet,
                                   history=spec.history(), extras=spec.extras())  # fmt: skip
    except NoCustomersError:
        raise spec.no_customers() from None
    return backtest(result, spec, [(s.table, s.scoring) for s in schemes])


def _notes(out: Backtest, lang: str) -> list[str]:
    """The model's notes (with --p-alive), in ``lang``."""
    from custseg.report.prediction import note_text

    return [note_text(n, lang) for n in out.prediction.notes] if out.prediction else []


def _json(out: Backtest, lang: str) -> dict[str, Any]:
    """The backtest for ``--json``: :func:`custseg.backtest.export.as_dict`, the model's
    notes in English."""
    from custseg.backtest.export import as_dict

    data = as_dict(out, lang)
    if data["p_alive"] is not None:
        data["p_alive"]["notes"] = _notes(out, "en")
    return data
