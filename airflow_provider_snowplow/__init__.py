"""Apache Airflow provider for Snowplow pipelines on AWS.

The tree says what needs Airflow. The core never imports it (``lint-imports`` checks), so Spark or
Lambda jobs and plain scripts can use it with boto3 alone:

* :mod:`.aws`: AWS work as data (plans) and the sync and async runners that carry it out;
* :mod:`.archive`: the S3 archive: URLs, run ids, run folders and their part files, and the run
  layouts (one module each: what a run is and when it is ready);
* :mod:`.manifest`: the DynamoDB load manifest: table, items, reads, claims, records, discovery;
* :mod:`.processing`: one run's enriched TSV parts in, JSON Lines and bad rows out, on a worker;
* :mod:`.spark`: the same on Spark, for runs too big for one worker;
* :mod:`.event_transformer`: one enriched TSV line to a JSON-ready dict;
* :mod:`.load_manifests`: the core's public face, :class:`~.load_manifests.LoadManifest`;
  :mod:`.snowplow_analytics_sdk`: Snowplow's Python SDK by its own names, on the core;
  :mod:`.errors`: our exception family; :mod:`.moved`: old import paths that still work.

The Airflow layer sits on top: :mod:`.hooks`, :mod:`.sensors`, :mod:`.triggers`, :mod:`.operators`
and what they share, :mod:`.tasks`. Beside them: :mod:`.cli` (``snowplow-manifest``) and
:mod:`.testing` (a kit for testing pipelines against an embedded local AWS endpoint).

Importing the package is cheap on purpose: it loads neither Airflow nor boto3.
"""

__version__ = "0.2.0"
