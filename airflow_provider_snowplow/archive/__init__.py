"""The S3 archive: its URL, its runs' ids, what a run folder holds, and when a run is ready.

Core code (boto3 only, through :mod:`airflow_provider_snowplow.aws` plans). This is where a run
folder becomes a run: what a run id looks like (:mod:`.run_ids`), which runs and objects a prefix
holds (:mod:`.listing`, :mod:`.contents`), the one-line answer for a prefix with no runs
(:mod:`.absence`), the last look before publishing a run (:mod:`.confirm`), and the run layouts,
one module each, that say what a run is and when it is complete, for the enriched archive, RDB
Loader's transformer output (with its seal) and S3 Loader output (:mod:`.layouts`, beside the shared
readiness rule, :mod:`.layouts.readiness`, pure logic).
"""
