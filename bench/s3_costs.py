"""What a request costs on the bench endpoint: moto's own costs, or costs shaped like S3's.

moto answers ``ListObjectsV2`` with a prefix by walking every key of the bucket (some 160 ms for
100,000 keys on the bench machine), and the endpoint serves one request at a time. So on plain
moto one run folder's listing costs as much as the whole bucket, and no client can overlap two of
them: a figure of the emulator, not of S3, whose listing cost does not grow with the bucket and
which serves many requests at once, each after a round trip of tens of milliseconds.

Switched on at run time (``POST /_bench/s3-costs``), in the server process:

* ``indexed``: a prefix listing walks only the keys under its prefix (a sorted index of the
  bucket's keys, rebuilt after any S3 write), as S3's cost does not grow with the bucket;
* ``latency_ms``: every request waits that long *before* it queues for the server, so requests
  in flight wait together, as on S3 where the round trip dominates.

Neither changes an answer or a request count: only what a request costs.
"""

from __future__ import annotations

import bisect
import json
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from airflow_provider_snowplow.testing.local_aws import WsgiApp, operation_name

S3_COSTS_PATH = "/_bench/s3-costs"
_READS = ("GET", "HEAD")


class _Model:
    """The cost model in force, and the key index it keeps per bucket."""

    def __init__(self) -> None:
        self.indexed = False
        self.latency_seconds = 0.0
        self.writes = 0  # S3 writes so far: an index older than the last write is rebuilt
        self.lock = threading.Lock()
        self.index: dict[str, tuple[int, list[str]]] = {}

    def names(self, bucket: Any) -> list[str]:
        with self.lock:
            built = self.index.get(bucket.name)
            if built is None or built[0] != self.writes:
                built = (self.writes, sorted(bucket.keys.keys()))
                self.index[bucket.name] = built
            return built[1]


class _PrefixSlice:
    """A bucket as moto's ``list_objects`` reads it, holding only the keys under one prefix."""

    def __init__(self, bucket: Any, names: list[str]) -> None:
        self.name = bucket.name
        self.keys = {name: bucket.keys[name] for name in names}


def with_s3_costs(app: WsgiApp) -> WsgiApp:
    """Wrap the endpoint (outermost, so latency is waited outside its one-at-a-time lock)."""
    from moto.s3.models import S3Backend

    model = _Model()
    walk_every_key = S3Backend.list_objects

    def list_objects(self: Any, bucket: Any, prefix: str | None, *args: Any, **kwargs: Any) -> Any:
        if model.indexed and prefix:
            names = model.names(bucket)
            under = names[
                bisect.bisect_left(names, prefix) : bisect.bisect_left(names, prefix + "\U0010ffff")
            ]
            bucket = _PrefixSlice(bucket, under)
        return walk_every_key(self, bucket, prefix, *args, **kwargs)

    S3Backend.list_objects = list_objects  # type: ignore[method-assign]

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == S3_COSTS_PATH:
            settings = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
            model.indexed = bool(settings["indexed"])
            model.latency_seconds = float(settings["latency_ms"]) / 1000
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps(settings).encode()]
        if environ.get("REQUEST_METHOD") not in _READS and operation_name(environ).startswith("s3:"):
            with model.lock:
                model.writes += 1
        if model.latency_seconds and not environ.get("PATH_INFO", "").startswith(("/_bench", "/_snowplow")):
            time.sleep(model.latency_seconds)
        return app(environ, start_response)

    return wrapped
