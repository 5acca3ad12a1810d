"""SnowplowSparkSubmitRunOperator: a run too big for one worker, handed to Spark with the claim held.

The Spark provider's ``SparkSubmitOperator`` with a Snowplow run around it:

1. claim the run (skip if another DAG run has it or it is recorded);
2. unless this DAG run's job already finished (its ``_SUCCESS.json`` carries this DAG run's
   submission id), ``spark-submit`` the package's own job for the run, while a thread renews
   the claim's lease as long as ``spark-submit`` runs (the task is not deferred: ``spark-submit``
   stays attached to the driver, in client mode as in the provider's cluster modes). By default
   the job is bundled from this installation at each submission
   (:mod:`airflow_provider_snowplow.spark.bundle`): its script is the application and
   its zip goes with ``--py-files``, so the Spark side needs pyspark, orjson and boto3 but not this
   package, and always runs the code of the Airflow side that submits it;
3. record the run only when ``spark-submit`` succeeded **and** ``_SUCCESS.json`` is there, in the
   transaction that drops the claim; on any failure the claim is released at once.

**Idempotence.** A retry of the task never starts a second job for work that is done: before
submitting it reads the run's ``_SUCCESS.json`` and, when it names this DAG run's submission,
goes straight to recording. A job that died half-way (or whose ``spark-submit`` was killed with
the task) is submitted again, which is safe: output keys are deterministic (a rerun overwrites,
never duplicates) and ``_SUCCESS.json`` is written last. What it cannot know is a job still running
without the task that started it (a worker killed with ``SIGKILL`` leaves a client-mode driver
orphaned); the claim's lease stops another DAG run from starting one, and the retry's job writes
the same keys.
"""

from __future__ import annotations

import sys
import tempfile
from typing import Any, cast

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import Context

from airflow_provider_snowplow.manifest.claims import DEFAULT_LEASE_SECONDS
from airflow_provider_snowplow.tasks.base import Argument, template_fields
from airflow_provider_snowplow.tasks.claimed_run import claimed_run
from airflow_provider_snowplow.tasks.spark_run import (
    SPARK_RUN_ARGUMENTS,
    SnowplowSparkRunMixin,
    SparkJobError,
    submission_id,
)
from airflow_provider_snowplow.validation import positive_number


class SnowplowSparkSubmitRunOperator(SnowplowSparkRunMixin, SparkSubmitOperator):
    """Process one Snowplow run with the Spark job through ``spark-submit``, under a claim.

    Takes every argument of the Spark provider's ``SparkSubmitOperator`` (``conn_id`` for the
    Spark connection and its master, ``conf``, ``archives`` for a packed venv, ``executor_memory``,
    ``env_vars``...), plus the run's (see ``SnowplowSparkRunMixin``) and:

    Args:
        lease_seconds: claim lease, renewed every third of it while ``spark-submit`` runs (templated).
        application: the job script; by default the bundle's ``spark_submit.py``, written with the
            zip (templated).
        py_files: ``--py-files``; by default the job's zip, built from this installation into a
            temporary directory for each submission (``spark-submit`` ships it to the driver and
            executors from there). Give an uploaded bundle instead (e.g. ``s3://.../snowplow_spark_job.zip``
            from ``python -m airflow_provider_snowplow.spark.bundle``), or ``""`` for none
            where the job's Python has this package installed (templated).
        **kwargs: see above. ``name`` (the Spark application's) defaults to the submission id;
            ``map_index_template`` to the run id.

    Returns (XCom):
        the run's ``_SUCCESS.json`` counts (``lines``, ``good``, ``bad``, ``objects``...), ``job`` and
        ``newly_loaded``.
    """

    arguments = (*SPARK_RUN_ARGUMENTS, Argument("lease_seconds", positive_number, converts=True))
    template_fields = (*SparkSubmitOperator.template_fields, *template_fields(arguments))
    ui_color = "#ffe5cc"

    def __init__(self, *, lease_seconds: float | str = DEFAULT_LEASE_SECONDS, **kwargs: Any) -> None:
        kwargs.setdefault("name", "")
        super().__init__(**kwargs)
        self.lease_seconds = lease_seconds
        self.check_literal_arguments()

    def execute(self, context: Context) -> dict[str, Any]:  # type: ignore[override]  # the XCom
        """Claim, submit (unless this DAG run's job already finished), then record; see the module docstring."""
        self.check_arguments()
        submission = submission_id(context, self.snowplow_run_id)
        lease_seconds = cast(float, self.lease_seconds)
        with claimed_run(self.snowplow_run_id, hook=self.hook, lease_seconds=lease_seconds, context=context):
            done = self.finished_output(submission)
            if done is not None:
                self.log.info(
                    "Run %s: job %s of this DAG run already finished (Spark application %s); not submitting it again",
                    self.snowplow_run_id,
                    submission,
                    done.get("spark_application_id"),
                )
            else:
                self.application_args = self.job_arguments(context).to_argv()
                self.name = self.name or submission
                self.conf = {"spark.app.name": self.name, **(self.conf or {})}
                self._submit(context)
        return self.record_run(context, f"spark-submit {submission}")

    def _submit(self, context: Context) -> None:
        """``spark-submit`` the job, bundled into a temporary directory unless given (see ``py_files``)."""
        given = (self.application, self.py_files)
        with tempfile.TemporaryDirectory(prefix="snowplow-spark-job-") as bundle_dir:
            try:
                if not self.application or self.py_files is None:
                    from airflow_provider_snowplow.spark.bundle import build_bundle

                    bundle = build_bundle(bundle_dir)
                    self.log.info(
                        "Spark job bundled from airflow-provider-snowplow %s: %s (%d modules)",
                        bundle.version,
                        bundle.zip_path,
                        len(bundle.modules),
                    )
                    self.application = self.application or str(bundle.script_path)
                    if self.py_files is None:
                        self.py_files = str(bundle.zip_path)
                try:
                    super().execute(context)
                except Exception as exc:
                    raise SparkJobError(
                        f"spark-submit of run {self.snowplow_run_id} failed ({type(exc).__name__}); the run "
                        "stays pending and its claim is released: the Spark output above says why"
                    ) from exc
            finally:
                # The bundle's paths die with the directory: a later try bundles afresh.
                self.application, self.py_files = given


def local_python_conf() -> dict[str, str]:
    """``conf`` for a ``local[...]`` master: Spark's Python workers run this interpreter (and its packages)."""
    return {"spark.pyspark.python": sys.executable, "spark.pyspark.driver.python": sys.executable}
