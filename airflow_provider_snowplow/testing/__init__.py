"""A testing kit for pipelines built on this package: ours, our benchmarks', and your DAGs' tests.

* :mod:`.local_aws`: :class:`~.local_aws.LocalAws`, an S3 + DynamoDB endpoint (moto's server) on
  127.0.0.1 that counts requests; needs the ``local`` extra.
* :mod:`.archive`: seed run folders (:class:`~.archive.Archive`) and SDK-format manifest records.
* :mod:`.dags`: test DAGs of one run, pointed at the archive, output and table by environment.
* :mod:`.events`: deterministic enriched-event TSV lines, valid and bad, and the package's sample
  events.
* :mod:`.layouts`: what S3 Loader and RDB Loader's transformer write (objects of hours, sealed and
  unsealed run folders), for the layouts' tests and demos.
* :mod:`.plans`: :class:`~.plans.ScriptedAws`, scripted AWS answers that drive the package's plans
  (its AWS work as data) with no server, recording every call, for unit tests of that work.
* :mod:`.sdk`: Snowplow's own ``snowplow-analytics-sdk`` 0.2.3, run in its own interpreter, as the
  reference to compare with.

Nothing else in the package imports it (import contracts in ``pyproject.toml`` say so), so the
shipped code never needs moto.
"""
