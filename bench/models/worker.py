#!/usr/bin/env python3
"""One benchmark job in one process: fit BG/NBD and Gamma-Gamma on a per-customer summary,
then predict, with one library.

    python worker.py METHOD SUMMARY.parquet OUT.json [--horizon 13] [--sample 1000]

METHOD is custseg, lifetimes or pymc_marketing; each runs in its own environment (run.py
picks the interpreter). The job, the same for all three:
  1. read the summary (pandas.read_parquet; columns repeat_orders, t_first_last, T,
     mean_repeat_spend; time unit: weeks);
  2. fit the BG/NBD by maximum likelihood (pymc-marketing: MAP with flat priors, which is
     the maximum-likelihood point);
  3. P(alive) and the conditional expected number of repeat transactions over the next
     HORIZON weeks (13 weeks, about 90 days) for every customer;
  4. fit the Gamma-Gamma on the repeat buyers (mean_repeat_spend > 0);
  5. the conditional expected average spend for every customer.
OUT.json gets the seconds of each phase measured inside the process (import, read,
bg_fit, bg_predict, gg_fit, gg_predict), the fitted parameters, the log-likelihood the
library reports (if any), totals over all customers and the first SAMPLE customers'
predictions, for run.py to compare across libraries.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings

T0 = time.perf_counter()
PHASES: dict[str, float] = {}
_last = [T0]


def mark(name: str) -> None:
    now = time.perf_counter()
    PHASES[name] = PHASES.get(name, 0.0) + now - _last[0]
    _last[0] = now


def run_custseg(path: str, horizon: float) -> dict:
    import numpy as np
    import pandas as pd

    from custseg.models import BetaGeo, GammaGamma

    mark("import")
    df = pd.read_parquet(path)
    mark("read")
    bg = BetaGeo.fit(df, frequency="repeat_orders", recency="t_first_last", T="T")
    mark("bg_fit")
    p_alive = np.asarray(bg.p_alive())
    expected = np.asarray(bg.predict(horizon))
    mark("bg_predict")
    gg = GammaGamma.fit(df, frequency="repeat_orders", monetary="mean_repeat_spend")
    mark("gg_fit")
    spend = np.asarray(gg.expected_spend())
    mark("gg_predict")
    return {
        "bg_params": {k: float(bg.params[k]) for k in ("r", "alpha", "a", "b")},
        "bg_log_likelihood": float(bg.log_likelihood),
        "gg_params": {k: float(gg.params[k]) for k in ("p", "q", "gamma")},
        "p_alive": p_alive,
        "expected": expected,
        "spend": spend,
    }


def run_lifetimes(path: str, horizon: float) -> dict:
    import numpy as np
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    mark("import")
    df = pd.read_parquet(path)
    mark("read")
    x, t_x, T = df["repeat_orders"], df["t_first_last"], df["T"]
    bg = BetaGeoFitter(penalizer_coef=0.0).fit(x, t_x, T)
    mark("bg_fit")
    p_alive = np.asarray(bg.conditional_probability_alive(x, t_x, T))
    expected = np.asarray(
        bg.conditional_expected_number_of_purchases_up_to_time(horizon, x, t_x, T)
    )
    mark("bg_predict")
    rep = df[df["mean_repeat_spend"] > 0]
    gg = GammaGammaFitter(penalizer_coef=0.0).fit(rep["repeat_orders"], rep["mean_repeat_spend"])
    mark("gg_fit")
    spend = np.asarray(gg.conditional_expected_average_profit(x, df["mean_repeat_spend"]))
    mark("gg_predict")
    bp, gp = bg.params_, gg.params_
    return {
        "bg_params": {k: float(bp[k]) for k in ("r", "alpha", "a", "b")},
        "gg_params": {"p": float(gp["p"]), "q": float(gp["q"]), "gamma": float(gp["v"])},
        "p_alive": p_alive,
        "expected": expected,
        "spend": spend,
    }


def run_pymc_marketing(path: str, horizon: float) -> dict:
    import inspect
    import logging

    import numpy as np
    import pandas as pd
    from pymc_marketing.clv import BetaGeoModel, GammaGammaModel

    try:
        from pymc_extras.prior import Prior
    except ImportError:  # older pymc-marketing
        from pymc_marketing.prior import Prior
    mark("import")
    logging.getLogger("pymc").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    df = pd.read_parquet(path)
    mark("read")
    data = pd.DataFrame(
        {
            "customer_id": df["customer_id"],
            "frequency": df["repeat_orders"],
            "recency": df["t_first_last"],
            "T": df["T"],
        }
    )
    # the default priors are informative (Weibull, Pareto...): flat ones make the MAP the
    # maximum-likelihood point, the figure the other libraries estimate
    bg_cfg = {k: Prior("HalfFlat") for k in ("r", "alpha", "a", "b")}
    gg_cfg = {k: Prior("HalfFlat") for k in ("p", "q", "v")}
    old_api = "data" in inspect.signature(BetaGeoModel.__init__).parameters
    fit_params = inspect.signature(BetaGeoModel.fit).parameters
    fit_kw = {"fit_method": "map"} if "fit_method" in fit_params else {"method": "map"}

    def fit(cls, frame, cfg):
        if old_api:
            m = cls(data=frame, model_config=cfg)
            m.fit(progressbar=False, **fit_kw)
        else:
            m = cls(model_config=cfg)
            m.fit(frame, progressbar=False, **fit_kw)
        return m

    def point(arr) -> np.ndarray:  # MAP: one chain, one draw
        return np.asarray(arr.mean(dim=[d for d in ("chain", "draw") if d in arr.dims]))

    bg = fit(BetaGeoModel, data, bg_cfg)
    mark("bg_fit")
    p_alive = point(bg.expected_probability_alive())
    expected = point(bg.expected_purchases(future_t=horizon))
    mark("bg_predict")
    spend_data = pd.DataFrame(
        {
            "customer_id": df["customer_id"],
            "frequency": df["repeat_orders"],
            "monetary_value": df["mean_repeat_spend"],
        }
    )
    gg = fit(GammaGammaModel, spend_data[spend_data["monetary_value"] > 0], gg_cfg)
    mark("gg_fit")
    spend = point(gg.expected_customer_spend(data=spend_data))
    mark("gg_predict")
    post_bg, post_gg = bg.idata["posterior"], gg.idata["posterior"]
    return {
        "bg_params": {k: float(point(post_bg[k])) for k in ("r", "alpha", "a", "b")},
        "gg_params": {
            "p": float(point(post_gg["p"])),
            "q": float(point(post_gg["q"])),
            "gamma": float(point(post_gg["v"])),
        },
        "p_alive": p_alive,
        "expected": expected,
        "spend": spend,
    }


METHODS = {"custseg": run_custseg, "lifetimes": run_lifetimes, "pymc_marketing": run_pymc_marketing}


def version(method: str) -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as v

    name = {"custseg": "custseg", "lifetimes": "lifetimes", "pymc_marketing": "pymc-marketing"}
    try:
        out = v(name[method])
    except PackageNotFoundError:
        out = "?"
    if method == "pymc_marketing":
        out += f" (pymc {v('pymc')}, pytensor {v('pytensor')})"
    if method == "custseg":
        import custseg

        out += f" from {custseg.__file__.rsplit('/src/', 1)[0]}"
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("method", choices=sorted(METHODS))
    ap.add_argument("summary")
    ap.add_argument("out")
    ap.add_argument("--horizon", type=float, default=13.0)
    ap.add_argument("--sample", type=int, default=1000)
    a = ap.parse_args(argv)

    res = METHODS[a.method](a.summary, a.horizon)
    total = time.perf_counter() - T0
    n = a.sample
    out = {
        "method": a.method,
        "version": version(a.method),
        "python": sys.version.split()[0],
        "phases": {k: round(v, 4) for k, v in PHASES.items()},
        "fit_s": round(PHASES["bg_fit"] + PHASES["gg_fit"], 4),
        "compute_s": round(sum(v for k, v in PHASES.items() if k not in ("import", "read")), 4),
        "inside_s": round(total, 4),
        "bg_params": res["bg_params"],
        "gg_params": res["gg_params"],
        "bg_log_likelihood": res.get("bg_log_likelihood"),
        "customers": int(len(res["p_alive"])),
        "totals": {
            "mean_p_alive": float(res["p_alive"].mean()),
            "sum_expected": float(res["expected"].sum()),
            "mean_spend": float(res["spend"].mean()),
        },
        "sample": {k: [float(v) for v in res[k][:n]] for k in ("p_alive", "expected", "spend")},
    }
    with open(a.out, "w") as f:
        json.dump(out, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
