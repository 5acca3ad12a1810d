"""Per-run processing: a run's enriched TSV part files in, JSON Lines and bad rows out (core).

* :mod:`.run`: :func:`~.run.process_run`, the entry point: lists the parts, has them processed,
  writes ``_SUCCESS.json`` last.
* :mod:`.part`: one part file's work (read, transform, compress, upload).
* :mod:`.workers`: the parallel driver (worker processes from a forkserver, which imports
  :mod:`.forkserver_preload`); :mod:`.cpus`: how many; :mod:`.clients`: the S3 client a worker builds.
* :mod:`.codecs`: gzip (python-isal, else the stdlib) and zstd; :mod:`.upload`: spooling and upload.

The line-by-line work is :mod:`airflow_provider_snowplow.event_transformer`'s.
"""
