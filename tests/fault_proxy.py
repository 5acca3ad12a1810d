"""A fault-injecting HTTP proxy on 127.0.0.1 in front of the local AWS endpoint.

Clients talk to the proxy exactly as to AWS; it forwards each request to moto's server unless a
rule says otherwise. Rules match an operation name (``dynamodb:BatchGetItem``, ``s3:ListObjectsV2``
... as :func:`airflow_provider_snowplow.testing.local_aws.operation_name` names them) and fire for the first
``times`` matching requests (or every ``every``-th one). Faults:

* ``error``: an AWS error response (status and code as given, in the service's own format; for
  DynamoDB's ``TransactionCanceledException``, with ``reasons`` as its ``CancellationReasons``);
* ``reset``: the connection is closed without a response (after forwarding, with ``after=True``,
  so the write happened but the client never heard of it);
* ``stall``: the response is held for ``seconds`` (a read timeout for a client with a shorter one);
* ``unprocessed``: a ``BatchGetItem`` forwards only part of its keys and returns the rest as
  ``UnprocessedKeys``, as DynamoDB does under load;
* ``truncate``: the response's headers promise the whole body, ``keep`` of it is sent, then the
  connection is reset (a download broken mid-stream);
* ``hold``: the request waits until the test calls :meth:`Fault.release` (at most ``seconds``), then
  is forwarded; :attr:`Fault.held` lists the client addresses waiting, and :meth:`FaultProxy.client_pid` tells
  which process a client address belongs to.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_snowplow.testing.local_aws import operation_name


@dataclass
class Fault:
    operation: str
    kind: str  # error | reset | stall | unprocessed | truncate
    times: int | None = None  # fire for the first N matches...
    every: int | None = None  # ...or for every N-th match
    status: int = 400
    code: str = ""
    reasons: tuple[str, ...] = ()  # error: a transaction's CancellationReasons, one code per item
    after: bool = False  # reset after forwarding (the write happened)
    seconds: float = 0.0
    keep: float = 0.5  # unprocessed: share of keys processed; truncate: share of the body sent
    matched: int = 0
    fired: int = 0
    held: list[tuple[str, int]] = field(default_factory=list)  # hold: client addresses waiting
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        """Let every held request (and every later one) through."""
        self.released.set()

    def fires(self) -> bool:
        self.matched += 1
        if self.times is not None:
            hit = self.matched <= self.times
        elif self.every is not None:
            hit = self.matched % self.every == 0
        else:
            hit = True
        self.fired += hit
        return hit


class FaultProxy:
    """Start with ``with FaultProxy(upstream) as proxy``; add rules with :meth:`inject`."""

    def __init__(self, upstream_url: str) -> None:
        self.upstream = urlsplit(upstream_url)
        self.faults: list[Fault] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                proxy.handle(self)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.endpoint_url = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self) -> FaultProxy:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def inject(self, operation: str, kind: str, **options: Any) -> Fault:
        fault = Fault(operation, kind, **options)
        with self.lock:
            self.faults.append(fault)
        return fault

    def client_pid(self, address: tuple[str, int]) -> int | None:
        """The process holding the client end ``address`` of a connection to this proxy.

        None if none does, or if several do (a process forking this instant shares the socket
        until it execs or closes it): ask again.
        """
        import psutil

        port = self.server.server_port
        pids = {
            conn.pid
            for conn in psutil.net_connections(kind="tcp")
            if conn.laddr and conn.raddr and conn.raddr.port == port and conn.laddr.port == address[1]
        }
        return pids.pop() if len(pids) == 1 else None

    def clear(self) -> None:
        with self.lock:
            self.faults.clear()

    def _fault_for(self, operation: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.operation == operation and fault.fires():
                    return fault
        return None

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        environ = {
            "HTTP_X_AMZ_TARGET": request.headers.get("X-Amz-Target", ""),
            "HTTP_AUTHORIZATION": request.headers.get("Authorization", ""),
            "REQUEST_METHOD": request.command,
            "QUERY_STRING": urlsplit(request.path).query,
            "PATH_INFO": urlsplit(request.path).path,
        }
        operation = operation_name(environ)
        fault = self._fault_for(operation)
        if fault is None:
            self._relay(request, *self._forward(request, body))
        elif fault.kind == "error":
            self._relay(request, *_error_response(operation, fault))
        elif fault.kind == "reset":
            if fault.after:
                self._forward(request, body)
            _reset(request)
        elif fault.kind == "stall":
            time.sleep(fault.seconds)
            self._relay(request, *self._forward(request, body))
        elif fault.kind == "hold":
            fault.held.append(request.client_address)
            fault.released.wait(fault.seconds)
            with contextlib.suppress(OSError):  # the client may have been killed meanwhile
                self._relay(request, *self._forward(request, body))
        elif fault.kind == "unprocessed":
            self._relay(request, *self._partial_batch_get(request, body, fault.keep))
        elif fault.kind == "truncate":
            status, headers, data = self._forward(request, body)
            self._relay(request, status, headers, data, send=int(len(data) * fault.keep))
            _reset(request)
        else:
            raise AssertionError(f"unknown fault {fault.kind}")

    def _forward(
        self, request: BaseHTTPRequestHandler, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection(
            self.upstream.hostname or "127.0.0.1", self.upstream.port, timeout=60
        )
        headers = {
            k: v for k, v in request.headers.items() if k.lower() not in ("connection", "content-length")
        }
        conn.request(request.command, request.path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, list(response.getheaders()), data

    def _partial_batch_get(
        self, request: BaseHTTPRequestHandler, body: bytes, keep: float
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        payload = json.loads(body)
        unprocessed: dict[str, Any] = {}
        for table, spec in payload["RequestItems"].items():
            keys = spec["Keys"]
            cut = max(1, int(len(keys) * keep)) if len(keys) > 1 else len(keys)
            spec["Keys"], rest = keys[:cut], keys[cut:]
            if rest:
                unprocessed[table] = {**spec, "Keys": rest}
        status, headers, data = self._forward(request, json.dumps(payload).encode())
        answer = json.loads(data)
        answer["UnprocessedKeys"] = unprocessed
        # The body changed, so its CRC32 header would no longer match.
        headers = [(name, value) for name, value in headers if name.lower() != "x-amz-crc32"]
        return status, headers, json.dumps(answer).encode()

    @staticmethod
    def _relay(
        request: BaseHTTPRequestHandler,
        status: int,
        headers: list[tuple[str, str]],
        data: bytes,
        send: int | None = None,
    ) -> None:
        """Answer with ``data`` (only its first ``send`` bytes, when given, under the full length)."""
        request.send_response(status)
        for name, value in headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server"):
                request.send_header(name, value)
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(data if send is None else data[:send])
            request.wfile.flush()


def _error_response(operation: str, fault: Fault) -> tuple[int, list[tuple[str, str]], bytes]:
    if operation.startswith("dynamodb:"):
        error: dict[str, Any] = {
            "__type": f"com.amazonaws.dynamodb.v20120810#{fault.code}",
            "message": "injected fault",
        }
        if fault.reasons:  # as DynamoDB words them: Code per item, Message where there is one
            listed = ", ".join(fault.reasons)
            error["message"] = (
                f"Transaction cancelled, please refer cancellation reasons for specific reasons [{listed}]"
            )
            error["CancellationReasons"] = [
                {"Code": code, **({"Message": "injected"} if code != "None" else {})}
                for code in fault.reasons
            ]
        body = json.dumps(error)
        return fault.status, [("Content-Type", "application/x-amz-json-1.0")], body.encode()
    xml = f"<?xml version='1.0'?><Error><Code>{fault.code}</Code><Message>injected fault</Message></Error>"
    return fault.status, [("Content-Type", "application/xml")], xml.encode()


def _reset(request: BaseHTTPRequestHandler) -> None:
    request.close_connection = True
    try:
        request.connection.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
        )
        request.connection.close()
    except OSError:
        pass
