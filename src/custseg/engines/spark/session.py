"""The Spark session a run uses: ``--spark-master``, ``SPARK_REMOTE`` (Spark Connect) or
what ``spark-submit`` set up."""

from __future__ import annotations

import os
import warnings
from typing import Any

from custseg.errors import CustsegError, param

#: What custseg sets on a session it starts (and the time zone on any): timestamps are
#: read and written as wall-clock times, as the default engine keeps them.
SESSION_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}

#: Shuffle partitions of a local session custseg starts.
LOCAL_PARTITIONS = 8


def need_pyspark() -> Any:
    """The ``pyspark.sql`` module; CustsegError naming the extra when it is missing."""
    try:
        with warnings.catch_warnings():  # pyspark's note on pandas 3, of no use here
            warnings.simplefilter("ignore", FutureWarning)
            import pyspark.sql
            import pyspark.sql.functions  # noqa: F401 - imported once, quietly
    except ImportError:
        raise CustsegError(
            "the Spark engine needs pyspark: pip install 'custseg[spark]' (and Java 17); "
            f"or leave out {param('engine')} spark to use the default engine"
        ) from None
    return pyspark.sql


def spark_session(master: str | None = None) -> Any:
    """The active Spark session, else a new one: on ``master`` (``local[2]``,
    ``spark://host:7077``, ``yarn``...), else on ``SPARK_REMOTE`` (a Spark Connect URL,
    ``sc://host:15002``), else on what ``spark-submit`` set, else ``local[*]``.

    Raises CustsegError when no session can be started (no Java, a master that does not
    answer)."""
    sql = need_pyspark()
    active = sql.SparkSession.getActiveSession()
    if active is not None and master is None:
        _set_conf(active, {"spark.sql.session.timeZone": "UTC"})
        return active
    builder = sql.SparkSession.builder.appName("custseg")
    remote = bool(os.environ.get("SPARK_REMOTE")) and not master
    if master:
        builder = builder.master(master)
    elif not remote and "SPARK_ENV_LOADED" not in os.environ:
        builder = builder.master("local[*]")
    if not remote:  # a Spark Connect server keeps its own (and refuses the static ones)
        for key, value in SESSION_CONF.items():
            builder = builder.config(key, value)
    if (master or "local").startswith("local") and not remote:
        # one machine: a few shuffle partitions, not 200 (1M rows on local[2]: 82 -> see
        # bench/spark.py); a cluster keeps its own setting
        builder = builder.config("spark.sql.shuffle.partitions", str(LOCAL_PARTITIONS))
    try:
        with warnings.catch_warnings():  # Spark Connect's client: pyspark's pandas note
            warnings.simplefilter("ignore", FutureWarning)
            session = builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - Java missing, a master that does not answer
        where = master or os.environ.get("SPARK_REMOTE") or "local[*]"
        raise CustsegError(
            f"cannot start a Spark session on {where} ({str(exc).splitlines()[0][:200]}); "
            f"check Java 17 and {param('spark_master')}, or run on the default engine"
        ) from None
    _set_conf(session, {"spark.sql.session.timeZone": "UTC"})
    if not os.environ.get("SPARK_REMOTE"):
        session.sparkContext.setLogLevel("ERROR")  # Spark's own warnings, not the user's
    return session


def _set_conf(session: Any, conf: dict[str, str]) -> None:
    for key, value in conf.items():
        session.conf.set(key, value)
