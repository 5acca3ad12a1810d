"""Split by layout: :mod:`.enriched_archive`, :mod:`.transformer_output`, and ``FolderLayout`` in :mod:`.base`; this path keeps working (with a warning)."""

from airflow_provider_snowplow.moved import moved_names

__getattr__ = moved_names(
    __name__,
    {
        "FolderLayout": "airflow_provider_snowplow.archive.layouts.base",
        "EnrichedArchive": "airflow_provider_snowplow.archive.layouts.enriched_archive",
        "TransformerOutput": "airflow_provider_snowplow.archive.layouts.transformer_output",
        "SEAL": "airflow_provider_snowplow.archive.layouts.transformer_output",
    },
)
