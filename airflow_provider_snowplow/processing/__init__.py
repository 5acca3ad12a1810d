"""Per-run processing: a run's enriched TSV part files in, JSON Lines and bad rows out (core).

:mod:`.run` holds :func:`~.run.process_run`; the line-by-line work is
:mod:`airflow_provider_snowplow.event_transformer`'s.
"""
