"""How the demo reports what happens while Airflow works: commands run with their log aside, and news.

Airflow's own log goes to a file; while a command runs, a *watcher* says what the pipeline did in
S3 and DynamoDB since its last look (runs claimed, transformed, marked loaded), one line each, so
the demo shows every step as it happens and never sits silent.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from airflow_provider_snowplow.aws.runners import run_sync
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.manifest.reads import read_manifest
from airflow_provider_snowplow.processing.run import SUCCESS_MARKER

BUCKET = "acme-snowplow"
TABLE = "snowplow-load-manifests"
POLL_SECONDS = 0.5
QUIET_SECONDS = 5.0


class AirflowFailed(Exception):
    """An ``airflow`` command failed; the message has the tail of its log."""


def airflow(args: list[str], env: dict[str, str], log: Path, watch: Callable[[], list[str]]) -> None:
    """Run an ``airflow`` command, its output appended to ``log``, reporting progress as it goes.

    Raises:
        AirflowFailed: the command exited with an error.
    """
    run_reporting([str(Path(sys.executable).parent / "airflow"), *args], env, log, watch)


def run_reporting(command: list[str], env: dict[str, str], log: Path, watch: Callable[[], list[str]]) -> None:
    """Run ``command``, its output appended to ``log``; say what ``watch`` sees while it runs.

    Every half second ``watch`` says what happened meanwhile (one line each), once more after the
    command ends; when nothing has for a few seconds, a line says the command is still at work,
    so the demo never sits silent.

    Raises:
        AirflowFailed: the command exited with an error; the message ends with its log's tail.
    """
    started = time.monotonic()
    spoke = started
    name = " ".join(Path(part).name if i == 0 else part for i, part in enumerate(command[:3]))
    with log.open("a") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=out)
        while True:
            try:
                process.wait(timeout=POLL_SECONDS)
                finished = True
            except subprocess.TimeoutExpired:
                finished = False
            now = time.monotonic()
            news = watch()
            for line in news:
                say(f"  {now - started:5.1f} s  {line}")
            if news:
                spoke = now
            elif not finished and now - spoke >= QUIET_SECONDS:
                say(f"  {now - started:5.1f} s  ... `{name}` still working")
                spoke = now
            if finished:
                break
    if process.returncode != 0:
        tail = "\n".join(log.read_text().splitlines()[-40:])
        raise AirflowFailed(
            f"`{' '.join(command)}` failed (exit {process.returncode}); its log ends:\n{tail}"
        )


def say(line: str) -> None:
    """Print a progress line now (stdout may be a pipe that would hold it back)."""
    print(line, flush=True)


class PipelineWatcher:
    """Says what the pipeline did since the last look: runs claimed, transformed, marked loaded.

    Each look costs one manifest scan and one listing of the output prefix. A run's output is its
    path within the archive under the output prefix (``enriched/archive/run=X/`` ->
    ``enriched/json/run=X/``), in every layout.

    Args:
        manifest: the manifest table and the clients.
        run_ids: the runs to report on.
        archive_prefix: the archive's key prefix, e.g. ``enriched/archive/``.
        output_prefix: the output's key prefix, e.g. ``enriched/json/``.
    """

    def __init__(
        self,
        manifest: LoadManifest,
        run_ids: list[str],
        archive_prefix: str = "enriched/archive/",
        output_prefix: str = "enriched/json/",
    ) -> None:
        self.manifest = manifest
        self.run_ids = run_ids
        self.archive_prefix = archive_prefix
        self.output_prefix = output_prefix
        self.seen: set[tuple[str, str]] = set()

    def __call__(self) -> list[str]:
        """What happened since the last look: runs claimed, transformed and marked loaded."""
        view = run_sync(read_manifest(TABLE, self.run_ids, how="scan"), self.manifest.clients)
        listing = self.manifest.clients["s3"].list_objects_v2(Bucket=BUCKET, Prefix=self.output_prefix)
        summaries = {o["Key"] for o in listing.get("Contents", []) if o["Key"].endswith(SUCCESS_MARKER)}
        news = []
        for run_id in self.run_ids:
            folder = run_id.removeprefix(self.archive_prefix).rstrip("/")
            claim = view.claims.get(run_id)
            if claim is not None and claim.is_live(time.time()):
                news += self._once(run_id, "claimed", f"{'claimed':<12} {folder}  by {claim.owner}")
            key = f"{self.output_prefix}{folder}/{SUCCESS_MARKER}"
            if key in summaries:
                summary = json.loads(
                    self.manifest.clients["s3"].get_object(Bucket=BUCKET, Key=key)["Body"].read()
                )
                counts = f"{summary['lines']} lines -> {summary['good']} good, {summary['bad']} bad"
                news += self._once(run_id, "transformed", f"{'transformed':<12} {folder}  {counts}")
            if run_id in view.statuses:
                news += self._once(
                    run_id, "loaded", f"{'marked':<12} {folder}  {view.statuses[run_id].lower()}"
                )
        return news

    def _once(self, run_id: str, step: str, line: str) -> list[str]:
        if (run_id, step) in self.seen:
            return []
        self.seen.add((run_id, step))
        return [line]
