"""``spark-submit`` entry point of the Spark job; :mod:`.spark_bundle` writes it beside the job's zip.

    python -m airflow_provider_snowplow.spark.bundle job/
    spark-submit --py-files job/snowplow_spark_job.zip job/spark_submit.py \
        --archive-url s3://acme-snowplow/enriched/archive/ \
        --run-id enriched/archive/run=2017-04-07-10-00-00/ [--run-id ...] \
        --output-url s3://acme-snowplow/enriched/json/ [--format parquet] [--no-geolocation]

(On EMR Serverless, upload both: the script is the ``entryPoint``, the zip ``spark.submit.pyFiles``.)
The arguments are
:class:`~airflow_provider_snowplow.spark.arguments.SparkJobArguments`'. Exit codes: 0 done (a
JSON summary line per run on stdout), 1 a run failed (one line on stderr naming the part file), 2 bad
arguments (one line on stderr).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from airflow_provider_snowplow.errors import SnowplowProviderError
from airflow_provider_snowplow.spark.arguments import SparkJobArguments

APP_NAME = "snowplow-runs"


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, run the job on the session ``spark-submit`` configured; the exit code."""
    try:
        arguments = SparkJobArguments.from_argv(sys.argv[1:] if argv is None else argv)
    except (SnowplowProviderError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from airflow_provider_snowplow.spark.job import run_job, start_session

    spark = start_session(APP_NAME)
    try:
        outputs = run_job(spark, arguments)
    except SnowplowProviderError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        spark.stop()
    for output in outputs:
        print(json.dumps({k: v for k, v in output.to_dict().items() if not k.endswith("_keys")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
