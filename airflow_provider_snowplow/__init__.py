"""Apache Airflow provider for Snowplow pipelines on AWS.

The tree says what needs Airflow. The core never imports it (``lint-imports`` checks), so Spark or
Lambda jobs and plain scripts can use it with boto3 alone:

* :mod:`.aws`: AWS work as data (plans) and the sync and async runners that carry it out;
* :mod:`.archive`: the S3 archive: URLs, run ids, run folders and their part files;
* :mod:`.manifest`: the DynamoDB load manifest: table, items, reads, claims, records, discovery;
* :mod:`.processing`: one run's enriched TSV parts in, JSON Lines and bad rows out;
* :mod:`.event_transformer`: one enriched TSV line to a JSON-ready dict;
* :mod:`.load_manifests`: the core's public face (:class:`~.load_manifests.LoadManifest` and the
  SDK's functions); :mod:`.errors`: our exception family.

The Airflow layer sits on top: :mod:`.hooks`, :mod:`.sensors`, :mod:`.triggers`, :mod:`.operators`
and what they share, :mod:`.tasks`. Beside them: :mod:`.cli` (``snowplow-manifest``) and
:mod:`.testing` (a kit for testing pipelines against an embedded local AWS endpoint).

Importing the package is cheap on purpose: it loads neither Airflow nor boto3.
"""

__version__ = "0.2.0"
