"""``snowplow_analytics_sdk.load_manifests``: the names of the SDK 0.2.0 release announcement.

The announcement showed::

    from snowplow_analytics_sdk.load_manifests import add_to_manifest, is_in_manifest, list_run_ids

but the SDK shipped the module as ``run_manifests`` and the listing as ``list_runids``. Programs
written from the announcement run here (with our import path); these are the functions of
:mod:`.run_manifests` under those names.
"""

from airflow_provider_snowplow.snowplow_analytics_sdk.run_manifests import (
    DYNAMODB_RUNID_ATTRIBUTE,
    RunManifests,
    add_to_manifest,
    create_manifest_table,
    is_in_manifest,
)
from airflow_provider_snowplow.snowplow_analytics_sdk.run_manifests import list_runids as list_run_ids

__all__ = [
    "DYNAMODB_RUNID_ATTRIBUTE",
    "RunManifests",
    "add_to_manifest",
    "create_manifest_table",
    "is_in_manifest",
    "list_run_ids",
]
