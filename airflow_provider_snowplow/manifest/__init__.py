"""The load manifest: a DynamoDB table (hash key ``RunId``) as Snowplow's SDKs use it, and more.

Core code (boto3 only, through :mod:`airflow_provider_snowplow.aws` plans). One module a concern:

* :mod:`.table`: create the table, check its key schema;
* :mod:`.items`: what the table holds, run records and claims, item by item;
* :mod:`.reads`: one item, many by key, or a scan, whichever costs fewer requests;
* :mod:`.claims`: claims with expiring leases, for exactly-once processing;
* :mod:`.records`: writing a run's record once (loaded or skipped), and deleting it;
* :mod:`.discovery`: the runs of an archive that are still pending;
* :mod:`.backfill`: which runs a backfill cut-off would skip.
"""
