"""The two documented frames of custseg, defined once.

**Canonical order frame** (what every loader returns, one row per order):

==============  ==================  ==========================================
column          dtype               meaning
==============  ==================  ==========================================
customer_id     string              customer key, trimmed, ``17850.0`` -> ``17850``
order_id        string              order key (line items already merged)
order_date      datetime64[ns]      order time (earliest line item)
amount          float64             net amount of the order (negative = return)
==============  ==================  ==========================================

**Per-customer RFM frame** (one row per customer, this column order):

``customer_id, first_order, last_order, recency_days, frequency, monetary,
aov, r_score, f_score, m_score, rfm_code, segment, lifecycle``

- ``recency_days``: whole days from the last order date to ``as_of``.
- ``frequency``: number of distinct orders (returns are not orders).
- ``monetary``: net spend (returns subtract).
- ``aov``: ``monetary / frequency`` (NaN when frequency is 0).
- ``r_score``/``f_score``/``m_score``: 1..bins, higher is better.
- ``rfm_code``: the three scores as a string, e.g. ``"545"`` (``"10-4-5"`` with 10 or
  more levels).
- ``segment``: the stable machine-readable segment name.
- ``lifecycle``: new / active / returning / churned (see :class:`custseg.measures.plan.Lifecycle`).

Exports (:data:`EXPORT_COLUMNS`) add ``segment_label`` in the chosen language
(``--lang``), and ``action`` with ``--actions``.
"""

from __future__ import annotations

ORDER_COLUMNS: tuple[str, ...] = ("customer_id", "order_id", "order_date", "amount")

MEASURE_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "first_order",
    "last_order",
    "recency_days",
    "frequency",
    "monetary",
    "aov",
)
SCORE_COLUMNS: tuple[str, ...] = ("r_score", "f_score", "m_score", "rfm_code")
CUSTOMER_COLUMNS: tuple[str, ...] = MEASURE_COLUMNS + SCORE_COLUMNS + ("segment", "lifecycle")
#: Exported files add the segment's label in the chosen language (and, with
#: ``--actions``, its suggested action: a column ``action`` after these).
EXPORT_COLUMNS: tuple[str, ...] = CUSTOMER_COLUMNS + ("segment_label",)

#: The three RFM measures: (measure column, score column, higher value is better).
MEASURES: tuple[tuple[str, str, bool], ...] = (
    ("recency_days", "r_score", False),
    ("frequency", "f_score", True),
    ("monetary", "m_score", True),
)

# The choices the core offers, defined once here (a module without imports) so that the
# command line offers them without importing the modules that use them (which import
# Polars: ``custseg --help`` must not).

#: Output file formats (:mod:`custseg.io.writers`).
FORMATS: tuple[str, ...] = ("csv", "parquet", "json", "jsonl", "xlsx")
#: How R, F and M become scores (:class:`custseg.segments.scoring.ScoringSpec`).
SCORING_METHODS: tuple[str, ...] = ("quantile", "edges", "mean")
#: What negative amounts do (:class:`custseg.orders.load.LoadOptions`).
RETURNS_MODES: tuple[str, ...] = ("net", "drop")
#: The built-in schemes, default first: the TOML files of ``custseg/segments/schemes``.
BUILTIN_SCHEMES: tuple[str, ...] = ("default", "rfm11", "cn8")
#: The count models of ``custseg predict --model`` (:mod:`custseg.models`), default first.
MODELS: tuple[str, ...] = ("bgnbd", "mbgnbd", "pnbd")
#: The models' time units (``--time-unit``), default first.
TIME_UNIT_NAMES: tuple[str, ...] = ("week", "day", "month")
#: The periods of ``custseg cohort --period`` (:mod:`custseg.measures.periods`), default first.
PERIODS: tuple[str, ...] = ("month", "week", "quarter")
#: What a cell of ``custseg cohort`` holds (``--measure``, :mod:`custseg.measures.cohort`).
COHORT_MEASURES: tuple[str, ...] = ("customers", "orders", "revenue", "aov")
#: What ``custseg cluster --features`` may choose, in this order (the measures of
#: :data:`MEASURES`, or their scores with ``--on scores``).
CLUSTER_FEATURES: tuple[str, ...] = ("recency", "frequency", "monetary")
#: What ``custseg cluster --on`` clusters: the measures (log1p, standardised) or the scores.
CLUSTER_ON: tuple[str, ...] = ("values", "scores")
#: The k that ``custseg cluster`` tries without ``--k`` (both ends included).
CLUSTER_K_RANGE: tuple[int, int] = (2, 10)
#: The columns ``custseg cluster`` adds to the export (after ``segment_label``).
CLUSTER_COLUMNS: tuple[str, ...] = ("cluster", "cluster_label")
