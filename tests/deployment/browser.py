"""Headless Chromium driven over the DevTools protocol: just what the ledger page's test needs.

Debian's ``chromium`` (installed by ``./dev setup``), started with a fresh profile on a free
loopback port; one page target, spoken to over a websocket with ``Runtime.evaluate``,
``Input.insertText``, ``Page.navigate`` and ``Page.captureScreenshot``. Nothing is downloaded.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from tests.deployment.airflow_stack import free_port, wait_for

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1440,1000",
)


def chromium_path() -> str:
    """Debian's Chromium, or one line saying how to install it."""
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return found
    raise RuntimeError("chromium is not installed: run ./dev setup (as root it apt-get installs chromium)")


class Browser:
    """One headless Chromium with one page; :meth:`evaluate` runs JavaScript in it."""

    def __init__(self) -> None:
        self.profile = Path(tempfile.mkdtemp(prefix="snowplow-chromium-"))
        self.port = free_port()
        self._ids = itertools.count(1)
        self._process: subprocess.Popen[bytes] | None = None
        self._socket: ClientConnection | None = None
        self._closing = contextlib.ExitStack()

    def __enter__(self) -> Browser:
        args = [
            chromium_path(),
            *FLAGS,
            f"--user-data-dir={self.profile}",
            f"--remote-debugging-port={self.port}",
        ]
        self._process = subprocess.Popen(
            [*args, "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        target = wait_for("Chromium's DevTools endpoint", self._page_target, 30)
        self._socket = self._closing.enter_context(
            connect(target, max_size=64 * 1024 * 1024, open_timeout=10)
        )
        self.send("Page.enable")
        self.send("Runtime.enable")
        return self

    def _page_target(self) -> str | None:
        if self._process is not None and self._process.poll() is not None:
            raise RuntimeError(f"chromium exited with {self._process.returncode}")
        try:
            targets = httpx.get(f"http://127.0.0.1:{self.port}/json/list", timeout=2).json()
        except (httpx.HTTPError, ValueError):
            return None
        pages = [t["webSocketDebuggerUrl"] for t in targets if t.get("type") == "page"]
        return pages[0] if pages else None

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """One DevTools command; its result (events in between are dropped)."""
        assert self._socket is not None
        number = next(self._ids)
        self._socket.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv(timeout=60))
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (awaited if it is a promise)."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(
                f"{expression[:80]}...: {result['exceptionDetails'].get('exception', {}).get('description')}"
            )
        return result.get("result", {}).get("value")

    def wait(self, what: str, expression: str, timeout: float = 30) -> Any:
        """Evaluate ``expression`` until it is truthy; its value.

        A page that navigates meanwhile (a redirect to the login form, the UI's router) ends the
        evaluation with "Inspected target navigated or closed": that is "not yet", not a failure.
        """
        return wait_for(what, lambda: self._evaluate_while_loading(expression), timeout, interval=0.2)

    def _evaluate_while_loading(self, expression: str) -> Any:
        try:
            return self.evaluate(expression) or None
        except RuntimeError as error:
            if "navigated or closed" in str(error) or "Cannot find context" in str(error):
                return None
            raise

    def navigate(self, url: str) -> None:
        self.send("Page.navigate", url=url)
        time.sleep(0.2)
        self.wait(f"{url} to load", "document.readyState === 'complete'")

    def type_into(self, selector: str, text: str) -> None:
        """Focus the element and type ``text`` as keystrokes would (React sees the input events)."""
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.send("Input.insertText", text=text)

    def screenshot(self, path: Path) -> None:
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with contextlib.suppress(Exception):
            self._closing.close()
        if self._process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait(5)
        shutil.rmtree(self.profile, ignore_errors=True)
