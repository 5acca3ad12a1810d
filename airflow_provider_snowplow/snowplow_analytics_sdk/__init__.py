"""Snowplow's Python Analytics SDK (``snowplow_analytics_sdk`` 0.2.0 to 0.2.3) by its own names, on our core.

A program written for the SDK runs here after one change to its imports::

    from snowplow_analytics_sdk.run_manifests import RunManifests, list_runids
    # becomes
    from airflow_provider_snowplow.snowplow_analytics_sdk.run_manifests import RunManifests, list_runids

    import snowplow_analytics_sdk.event_transformer
    # becomes (binding the same name, so the program's body stays as it is)
    from airflow_provider_snowplow import snowplow_analytics_sdk

The subpackage keeps the SDK's last path component so that the first rule is a plain prefix, and
imports its modules so that the second one reaches them as attributes. Modules:

* :mod:`.run_manifests`: ``RunManifests``, ``list_runids``, ``split_full_path``... (0.2.0 to 0.2.3);
* :mod:`.load_manifests`: the names of the 0.2.0 release announcement (``list_run_ids``...);
* :mod:`.event_transformer`: ``transform``, ``jsonify_good_event``, ``ENRICHED_EVENT_FIELD_TYPES``;
* :mod:`.json_shredder`: ``extract_schema``, ``fix_schema``, ``parse_contexts``, ``parse_unstruct``;
* :mod:`.snowplow_event_transformation_exception`: ``SnowplowEventTransformationException``.

Every function keeps the SDK's signature, argument order, return shape and exception type, and is
a thin adapter over our core (boto3 only, no Airflow). Where the core is stricter on purpose (run
ids, Iglu URIs, values), docs/event-transformer.md and docs/migration.md list each difference.
"""

from airflow_provider_snowplow.snowplow_analytics_sdk import (
    event_transformer,
    json_shredder,
    load_manifests,
    run_manifests,
    snowplow_event_transformation_exception,
)

__all__ = [
    "event_transformer",
    "json_shredder",
    "load_manifests",
    "run_manifests",
    "snowplow_event_transformation_exception",
]
