"""The S3 archive: its URL, its runs' ids, and what it holds (run folders, part files).

Core code (boto3 only, through :mod:`airflow_provider_snowplow.aws` plans). This is where a run
folder becomes a run: what a run id looks like (:mod:`.run_ids`) and which runs and parts a prefix
holds (:mod:`.listing`).
"""
