"""The Spark engine: the same job on Apache Spark (``custseg[spark]``), for data larger
than one machine or already in a lake.

=============  ==============================================================
module         what it owns
=============  ==============================================================
session        the Spark session (``--spark-master``, ``SPARK_REMOTE``)
source         reading a typed source, what it refuses, its columns and facts
rows           raw rows to canonical rows, each with its first reason
measures       the as-of date, line items merged, per-customer measures and the
               row accounting (:class:`custseg.orders.accounting.LoadReport`)
scores         cut points, scores and segments from the rule table, the small
               frames (summary, levels) and the per-customer Parquet folder
run            the whole job: :func:`run_spark`
=============  ==============================================================

The definitions are custseg's own, never copied: column names, status and placeholder
tables, reasons, rounding, lifecycle windows, cut points and rule tables come from the
engine-free modules; this package only translates them into Spark expressions. pyspark
is imported inside these modules only: ``custseg --help`` and the default engine never
load it.
"""
