"""The load manifest: a DynamoDB table (hash key ``RunId``) as Snowplow's SDKs use it, and more.

Core code (boto3 only, through :mod:`airflow_provider_snowplow.aws` plans). One module a concern:

* :mod:`.table`: create the table, check its key schema;
* :mod:`.items`: what the table holds, run records and claims, item by item;
* :mod:`.conditions`: the condition expressions the writes share (no live claim, the claim's owner);
* :mod:`.reads`: one item, many by key, or a scan, whichever costs fewer requests;
* :mod:`.claims`: claims with expiring leases, for exactly-once processing;
* :mod:`.records`: writing a run's record once (loaded or skipped), and deleting it;
* :mod:`.discovery`: the runs of an archive that are still pending, and why the others are not;
* :mod:`.windows`: discovery for time-window layouts (S3 Loader), from the newest recorded window on;
* :mod:`.verify`: which loaded runs changed after loading;
* :mod:`.backfill`: which runs a backfill cut-off would skip.
"""
