"""Partitioned asset events per loaded run, keyed by the run's time: for hourly and daily consumers.

An unpartitioned event per loaded run (:mod:`~airflow_provider_snowplow.tasks.assets`) starts a
plain ``schedule=[asset]`` consumer. A consumer that models hours or days wants to know *which*
hour a run holds, and to start once per hour, or once a day is complete: Airflow 3.3's partitioned
asset events and ``PartitionedAssetTimetable`` do that, given a partition key per event.

Opt in by giving a loading operator ``partitioned_outlets=[loaded_run_times_asset(table)]``: on
success it emits, on each of those assets, one event whose partition key is the run's time (the
layout's ``run_time(run_id)``, UTC) in ``%Y-%m-%dT%H:%M:%S``, the format Airflow's time mappers
read by default, with the same ``extra`` as its plain events. What a run's time means depends on
the layout:

* ``s3-loader``: the start of the hour (or day) of S3 Loader's window, ``2026-03-13T10:00:00``;
  ``StartOfHourMapper`` gives one consumer run per hour, and ``RollupMapper(StartOfDayMapper(),
  DayWindow(), WaitForAll())`` one per day once its 24 hours are loaded;
* ``enriched-archive`` and ``transformer-output``: the time in the run folder's name, when the
  batch (or the transformer's window) started, e.g. ``2026-03-13T10:17:42``: a day is the runs
  whose folders are stamped that UTC day, which hold events collected up to that moment (a day's
  last events land in the next day's first run). Such keys are not on the hour, so ``DayWindow``
  (24 keys ``...T00:00:00`` to ``...T23:00:00``) would never be complete: map them with
  ``StartOfDayMapper`` (a consumer run per day, started by its first run) instead.

Plain ``schedule=[asset]`` DAGs do not run on partitioned events, so these assets are only for
partition-aware consumers; the plain events are unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import Asset, Context

from airflow_provider_snowplow.archive.layouts import Layout
from airflow_provider_snowplow.errors import RunIdError

#: The partition key's format: what ``StartOfHourMapper`` and its kin parse by default.
RUN_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


def loaded_run_times_asset(table_name: str) -> Asset:
    """The partitioned asset "a run of manifest ``table_name`` was loaded", keyed by the run's time.

    Give it to a loading operator's ``partitioned_outlets`` and to a consumer's
    ``PartitionedAssetTimetable``; both sides build it from the table name, so they agree.
    """
    return Asset(
        name=f"snowplow_loaded_run_times__{table_name}",
        uri=f"snowplow://manifest/{table_name}/run-times",
        group="snowplow",
    )


def run_partition_key(layout: Layout, run_id: str) -> str:
    """The run's time in :data:`RUN_TIME_FORMAT`: its partition key.

    Raises:
        RunIdError: ``run_id`` is not a run id of ``layout``.
    """
    run_time = layout.run_time(layout.validate_run_id(run_id))
    if run_time is None:  # validate_run_id accepted it, so the layout knows its time
        raise RunIdError(f"run {run_id!r} has no time in the {layout.name} layout")
    return run_time.strftime(RUN_TIME_FORMAT)


def with_partitioned_outlets(outlets: Any, partitioned_outlets: Sequence[Asset]) -> list[Any]:
    """A task's ``outlets`` plus its ``partitioned_outlets`` (Airflow emits events only for outlets).

    Raises:
        TypeError: an entry of ``partitioned_outlets`` is not an ``Asset``.
    """
    for asset in partitioned_outlets:
        if not isinstance(asset, Asset):
            raise TypeError(f"partitioned_outlets must hold Assets, got {asset!r}")
    current = list(outlets or ())
    return current + [asset for asset in partitioned_outlets if asset not in current]


def add_run_partition(
    partitioned_outlets: Sequence[Asset], context: Context, layout: Layout, run_id: str
) -> str | None:
    """Key the event each of ``partitioned_outlets`` is about to emit by the run's time; return the key."""
    if not partitioned_outlets:
        return None
    key = run_partition_key(layout, run_id)
    events = context["outlet_events"]
    for asset in partitioned_outlets:
        events[asset].add_partitions(key)
    return key
