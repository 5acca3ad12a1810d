"""The Spark job, for runs too big for one worker: a claimed run's parts in, events out, on a cluster.

Core (no Airflow; pyspark only in :mod:`.job`, the one module a cluster runs it with):

* :mod:`.job`: the job itself, on Spark: each run's parts read, transformed with the same event
  transformer as the worker path, written, and ``_SUCCESS.json`` last;
* :mod:`.arguments`: its command line, one field a option (:class:`~.arguments.SparkJobArguments`);
* :mod:`.submit`: the ``spark-submit`` entry point;
* :mod:`.bundle`: the job as a zip for ``--py-files`` (``python -m
  airflow_provider_snowplow.spark.bundle OUT_DIR``), so a cluster needs neither Airflow nor this
  package installed;
* :mod:`.emr_serverless`: EMR Serverless job runs as plans: started once per run and DAG run,
  re-attached to on retry.

The Airflow side hands a claimed run to the job: ``operators.spark`` (spark-submit) and
``operators.emr_serverless`` (EMR Serverless, deferrable), with what they share in ``tasks.spark_run``.
"""
