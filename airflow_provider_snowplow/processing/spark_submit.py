"""Moved to :mod:`airflow_provider_snowplow.spark.submit`; this path keeps 0.1.0 code working (with a warning).

Run as a script (an old ``spark-submit .../processing/spark_submit.py``), it runs the job.
"""

from airflow_provider_snowplow.moved import moved_module

__getattr__ = moved_module(__name__, "airflow_provider_snowplow.spark.submit")

if __name__ == "__main__":
    import sys

    from airflow_provider_snowplow.spark.submit import main

    sys.exit(main())
