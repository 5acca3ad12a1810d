"""The S3 archive: its URL, its runs' ids, what a run folder holds, and when a run is ready.

Core code (boto3 only, through :mod:`airflow_provider_snowplow.aws` plans). This is where a run
folder becomes a run: what a run id looks like (:mod:`.run_ids`), which runs and objects a prefix
holds (:mod:`.listing`, :mod:`.contents`), when a run is complete (:mod:`.readiness`, pure logic),
the last look before publishing a run (:mod:`.confirm`), and the run layouts that say all of this
for the enriched archive, S3 Loader output and RDB Loader's transformer output (:mod:`.layouts`,
with the transformer's seal in :mod:`.seal`).
"""
