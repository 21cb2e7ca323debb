"""Predictions from the "buy till you die" models on custseg's customers.

:mod:`custseg.measures.history` gives each customer's purchase history (in days), the
models of :mod:`custseg.models` fit and predict on it; this package joins the two:
:mod:`.units` (time units and horizons), :mod:`.run` (the per-customer prediction columns
of ``custseg predict`` and ``rfm --predict``), :mod:`.holdout` (the model against what
happened after a calibration end).
"""
