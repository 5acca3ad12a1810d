"""Settings of a DAG file, read from the environment and checked when the file is parsed.

The example DAGs keep every knob in one block at their top; each is an environment variable read
by :func:`setting`, with the same check the operators apply to the value. A required setting that
is missing, or a value that can never work, breaks the DAG file's import with one line naming the
variable, instead of a DAG that parses with a made-up default and fails at run time.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow_provider_snowplow.errors import InvalidValueError, SnowplowProviderError

if TYPE_CHECKING:
    from airflow.sdk import DAG


class DagSettingError(InvalidValueError):
    """A DAG file's setting is missing or cannot work; the message names its variable."""


def setting(
    variable: str,
    check: Callable[[str], object],
    *,
    default: str | None = None,
    example: str = "",
) -> str:
    """The value of the environment variable ``variable``, once ``check`` accepts it.

    Args:
        variable: the environment variable, e.g. ``SNOWPLOW_ARCHIVE_URL``.
        check: the check of the value's kind (``parse_archive_url``, ``validate_table_name``,
            ``positive_int``...); its error message is kept.
        default: the value when the variable is unset; None makes the setting required.
        example: a value to show in the error when the setting is missing.

    Raises:
        DagSettingError: the variable is unset and required, or ``check`` refuses its value.
    """
    value = os.environ.get(variable, default)
    if value is None or not value.strip():
        shown = f", e.g. {variable}={example}" if example else ""
        raise DagSettingError(
            f"{variable} is not set: set it in the environment of the Airflow components{shown}, "
            "or write the value into the DAG file's settings block"
        )
    try:
        check(value)
    except (ValueError, SnowplowProviderError) as invalid:
        raise DagSettingError(f"{variable}={value!r}: {invalid}") from None
    return value


@dataclass(frozen=True)
class PipelineSettings:
    """What every loading pipeline's DAG file is set with, read by :meth:`from_environment`.

    The example DAGs share these settings, with the same variables and checks, so that a pipeline
    of any layout is configured the same way and none of them drifts from the others; each DAG
    adds its layout's own settings (a marker, a partition format...) beside them.

    Attributes:
        aws_conn_id: the Airflow AWS connection (``SNOWPLOW_AWS_CONN_ID``, default ``aws_default``).
        table_name: the manifest table (``SNOWPLOW_MANIFEST_TABLE``, required).
        max_runs: runs one DAG run takes on at most (``SNOWPLOW_MAX_RUNS``).
        parallel_tasks: tasks of one DAG run that run at once (``SNOWPLOW_PARALLEL_TASKS``).
        poke_interval: seconds between looks at the archive while waiting (``SNOWPLOW_POKE_INTERVAL``).
        wait_seconds: how long a DAG run waits for a run before it is skipped (``SNOWPLOW_WAIT_SECONDS``,
            default 1800).
    """

    aws_conn_id: str
    table_name: str
    max_runs: int
    parallel_tasks: int
    poke_interval: float
    wait_seconds: float

    @classmethod
    def from_environment(
        cls, *, max_runs: int, poke_interval: float, parallel_tasks: int = 8
    ) -> PipelineSettings:
        """The settings from the environment, with this pipeline's defaults for those that vary.

        Raises:
            DagSettingError: a required setting is missing, or a value cannot work.
        """
        from airflow_provider_snowplow.manifest.table import validate_table_name
        from airflow_provider_snowplow.validation import optional_string, positive_int, positive_number

        return cls(
            aws_conn_id=setting("SNOWPLOW_AWS_CONN_ID", optional_string, default="aws_default"),
            table_name=setting(
                "SNOWPLOW_MANIFEST_TABLE", validate_table_name, example="snowplow-load-manifests"
            ),
            max_runs=int(setting("SNOWPLOW_MAX_RUNS", positive_int, default=str(max_runs))),
            parallel_tasks=int(setting("SNOWPLOW_PARALLEL_TASKS", positive_int, default=str(parallel_tasks))),
            poke_interval=float(
                setting("SNOWPLOW_POKE_INTERVAL", positive_number, default=str(poke_interval))
            ),
            wait_seconds=float(setting("SNOWPLOW_WAIT_SECONDS", positive_number, default="1800")),
        )

    def task_defaults(self, **layout: Any) -> dict[str, Any]:
        """The DAG's ``default_args``: what every task shares, with two retries 5 s apart.

        The table, the connection and the ``layout`` arguments given (``ready_marker``,
        ``partition_format``...); a claim makes each retry safe.
        """
        return {
            "table_name": self.table_name,
            "aws_conn_id": self.aws_conn_id,
            **layout,
            "retries": 2,
            "retry_delay": timedelta(seconds=5),
        }

    def dag(
        self,
        dag_id: str,
        schedule: Any,
        params: dict[str, Any],
        doc_md: str | None,
        *,
        what: str,
        **layout: Any,
    ) -> DAG:
        """The pipeline's DAG, with what every pipeline shares, given its own ``params`` and layout.

        ``params`` are the per-DAG-run overrides the pipeline offers (its archive, its output); the
        ``max_runs`` param is added (``what`` names the runs in its description), which the sensor
        reads. ``layout`` goes to :meth:`task_defaults`, as the DAG's ``default_args``. No
        catch-up: a pipeline loads what is pending, whatever the dates of its DAG runs.
        """
        from airflow.sdk import DAG, Param

        max_runs = Param(self.max_runs, type="integer", minimum=1, description=f"{what} to take on at most")
        return DAG(
            dag_id,
            schedule=schedule,
            start_date=datetime(2026, 1, 1, tzinfo=UTC),
            catchup=False,
            max_active_tasks=self.parallel_tasks,
            params={**params, "max_runs": max_runs},
            default_args=self.task_defaults(**layout),
            tags=["snowplow"],
            doc_md=doc_md,
        )

    def sensor_arguments(self) -> dict[str, Any]:
        """The pipeline sensor's arguments: it reads the DAG's params and waits deferred, skipped at last.

        The archive and ``max_runs`` come from the params of :meth:`dag` (so ``--conf`` can change
        them per DAG run). It waits in the triggerer; with nothing pending it gives up after
        ``wait_seconds`` and is skipped (``soft_fail``), so the DAG run ends successfully. It is
        retried once: Airflow can fail a sensor resumed seconds after deferring
        (apache/airflow#72716), and a retry simply looks again.
        """
        return {
            "archive_url": "{{ params.archive_url }}",
            "max_runs": "{{ params.max_runs }}",
            "deferrable": True,
            "poke_interval": self.poke_interval,
            "timeout": self.wait_seconds,
            "soft_fail": True,
            "retries": 1,
        }
