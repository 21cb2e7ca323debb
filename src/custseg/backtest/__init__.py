"""The backtest: the segments made on a day against what their customers did after it.

:mod:`.run` reads the input once and makes the figures (:func:`.run.run_backtest`,
:func:`.run.backtest`); :mod:`.tables` computes them from per-customer outcomes (per
segment, the separation of buyers from non-buyers, P(alive) deciles); :mod:`.export`
gives the tables as one frame (``-o``) and the whole as a dict (``--json``).
"""
