"""An embedded AWS endpoint (S3 + DynamoDB) on 127.0.0.1, for the demo, tests and benchmarks.

It runs moto's server in a child process, so the code under test talks real HTTP to it exactly as
to AWS. Two additions over plain ``moto_server``:

* requests are served one at a time, which gives DynamoDB's per-item atomicity for conditional
  writes (moto's backend has no locks of its own, so concurrent claimers could otherwise both win);
  SQS requests bypass that queue: a long poll (``WaitTimeSeconds``) waits for a message that
  another request sends;
* every AWS request is counted by operation, readable at ``GET /_snowplow/requests`` and reset by
  ``DELETE`` on the same path, so benchmarks count requests on the server, for any client.

Needs the ``local`` extra (``moto[server]``). Usage::

    with LocalAws() as aws:
        boto3.client("s3", endpoint_url=aws.endpoint_url, ...)
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import threading
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from airflow_provider_snowplow.aws.local_endpoint import LOCAL_CREDENTIALS

__all__ = [
    "LOCAL_CREDENTIALS",
    "LocalAws",
    "local_client",
    "main",
    "operation_name",
    "serialized_counting_app",
    "serve",
]
_COUNTER_PATH = "/_snowplow/requests"
MISSING_MOTO = (
    "the local AWS endpoint needs moto's server, which is not installed: "
    "pip install 'airflow-provider-snowplow[local]' (from a checkout: pip install '.[local]')"
)
_READY = "local AWS endpoint listening on "

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def operation_name(environ: dict[str, Any]) -> str:
    """``dynamodb:BatchGetItem``, ``s3:ListObjectsV2``, ``sqs:ReceiveMessage``...: what a request asks.

    The service comes from the SigV4 credential scope of the ``Authorization`` header; DynamoDB
    and SQS name their operation in ``X-Amz-Target``; S3 operations are told apart by method and query.
    """
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    if target:
        service = "sqs" if target.startswith("AmazonSQS.") else "dynamodb"
        return f"{service}:" + target.rpartition(".")[2]
    scope = str(environ.get("HTTP_AUTHORIZATION", "")).partition("Credential=")[2].split("/")
    service = scope[3] if len(scope) > 3 else "s3"
    method = str(environ.get("REQUEST_METHOD", ""))
    if service == "emr-serverless":  # REST: the operation is in the method and the path
        path = str(environ.get("PATH_INFO", "")).rstrip("/")
        if path.endswith("/jobruns"):
            return "emr-serverless:" + {"GET": "ListJobRuns", "POST": "StartJobRun"}.get(method, method)
        if "/jobruns/" in path and method == "GET":
            return "emr-serverless:GetJobRun"
    if service != "s3":
        return f"{service}:{method}"
    query = str(environ.get("QUERY_STRING", ""))
    path = str(environ.get("PATH_INFO", "")).strip("/")
    if method == "GET" and "list-type=2" in query:
        return "s3:ListObjectsV2"
    if method == "GET" and "/" not in path:
        return "s3:ListObjects"
    if "uploads" in query or "uploadId" in query:
        return "s3:MultipartUpload"
    s3_names = {"GET": "GetObject", "PUT": "PutObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}
    return "s3:" + s3_names.get(method, method)


def serialized_counting_app(app: WsgiApp) -> WsgiApp:
    """Wrap moto's WSGI app: one request at a time (SQS's aside), each one counted."""
    lock = threading.Lock()
    counts: Counter[str] = Counter()

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == _COUNTER_PATH:
            if environ["REQUEST_METHOD"] == "DELETE":
                counts.clear()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps(dict(counts)).encode()]
        operation = operation_name(environ)
        if operation.startswith("sqs:"):
            with lock:
                counts[operation] += 1
            return list(app(environ, start_response))
        with lock:
            if not environ.get("PATH_INFO", "").startswith("/moto-api"):
                counts[operation] += 1
            return list(app(environ, start_response))

    return wrapped


def serve(port: int = 0) -> None:
    """Run the server in this process until killed; prints the endpoint URL once listening.

    Raises:
        SystemExit: one line (not a traceback) when moto's server is not installed.
    """
    try:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server
    except ImportError:
        raise SystemExit(f"error: {MISSING_MOTO}") from None

    app = serialized_counting_app(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)
    print(f"{_READY}http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


class LocalAws:
    """A moto server child process on a free loopback port; a context manager.

    Attributes:
        endpoint_url: ``http://127.0.0.1:PORT``, for boto3 clients and Airflow connections.
    """

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.endpoint_url = ""
        self._process: subprocess.Popen[str] | None = None

    def server_command(self) -> list[str]:
        """The child process's command line; it must print the ready line, then serve."""
        return [sys.executable, "-m", "airflow_provider_snowplow.testing.local_aws", str(self.port)]

    def start(self) -> LocalAws:
        """Start the server and wait until it listens.

        Raises:
            RuntimeError: moto's server is not installed, or the server did not start.
        """
        if importlib.util.find_spec("moto") is None:
            raise RuntimeError(MISSING_MOTO)
        env = {**os.environ, **LOCAL_CREDENTIALS}
        self._process = subprocess.Popen(
            self.server_command(),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line.startswith(_READY):
            self.stop()
            raise RuntimeError(
                f"the local AWS endpoint did not start (said {line!r}); is moto[server] installed?"
            )
        self.endpoint_url = line[len(_READY) :].strip()
        return self

    @property
    def server_pid(self) -> int | None:
        """The server process's id while it runs (benchmarks read its CPU time)."""
        return self._process.pid if self._process is not None else None

    def stop(self) -> None:
        """Stop the server (idempotent)."""
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

    def __enter__(self) -> LocalAws:
        return self.start()

    def __exit__(
        self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]
    ) -> None:
        self.stop()

    def _call(self, path: str, method: str) -> bytes:
        request = urllib.request.Request(self.endpoint_url + path, method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            body: bytes = response.read()
            return body

    def reset(self) -> None:
        """Forget every bucket, table and request count."""
        self._call("/moto-api/reset", "POST")
        self._call(_COUNTER_PATH, "DELETE")

    def request_counts(self, reset: bool = False) -> Counter[str]:
        """Requests served since the last reset, by operation (``dynamodb:BatchGetItem``...)."""
        counts: Counter[str] = Counter(json.loads(self._call(_COUNTER_PATH, "GET")))
        if reset:
            self._call(_COUNTER_PATH, "DELETE")
        return counts

    def client(self, service: str) -> Any:
        """A boto3 client for this endpoint with the local credentials."""
        return local_client(service, self.endpoint_url)


def local_client(service: str, endpoint_url: str, config: Any = None) -> Any:
    """A boto3 client for a local endpoint with the local credentials (``config``: a botocore Config)."""
    import boto3

    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoint_url,
        region_name=LOCAL_CREDENTIALS["AWS_DEFAULT_REGION"],
        aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=config,
    )


def main(argv: list[str] | None = None) -> None:
    """``python -m airflow_provider_snowplow.testing.local_aws [PORT]``: serve until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider_snowplow.testing.local_aws",
        description="An S3 + DynamoDB endpoint (moto) on 127.0.0.1, counting requests.",
    )
    parser.add_argument(
        "port", nargs="?", type=int, default=0, help="port to listen on (default: a free one)"
    )
    serve(parser.parse_args(argv).port)


if __name__ == "__main__":
    main()
