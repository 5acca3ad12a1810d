"""The README's listing of what a run's output holds is what processing a run writes.

The README (section "A pipeline") names, for each run, the objects under its output folder in
backticks after "it writes"; a real run of two part files, one with bad rows, must write exactly
objects of those names, the bad rows' object only for the part that had them.
"""

from __future__ import annotations

import re
from fnmatch import fnmatch

from airflow_provider_snowplow.processing.run import process_run
from airflow_provider_snowplow.testing.archive import READY_WHEN_SEEDED, Archive
from airflow_provider_snowplow.testing.events import sample_lines
from tests.support import REPO

OUTPUT_URL = "s3://acme-snowplow/enriched/json/"


def readme_output_names() -> list[str]:
    """The object names the README lists for one run's output, e.g. ``good/part-*.jsonl.gz``."""
    readme = (REPO / "README.md").read_text()
    listing = readme.split("it writes", 1)[1].split("The tasks use", 1)[0]
    return re.findall(r"`((?:good|bad)/[^`]+|_SUCCESS\.json)`", listing)


def test_the_readme_lists_the_objects_of_a_runs_output() -> None:
    assert readme_output_names() == ["good/part-*.jsonl.gz", "bad/part-*.jsonl.gz", "_SUCCESS.json"]


def test_a_processed_run_writes_what_the_readme_lists(s3, archive: Archive) -> None:  # type: ignore[no-untyped-def]
    good = b"".join(sample_lines("enriched-events.tsv"))
    bad = b"".join(sample_lines("bad-enriched-events.tsv"))
    run_id = archive.add_run("2017-04-07-10-00-00", parts={"part-00000": good, "part-00001": good + bad})
    process_run(s3, archive.url, run_id, OUTPUT_URL, readiness=READY_WHEN_SEEDED)

    folder = f"enriched/json/{run_id.removeprefix('enriched/archive/')}"
    listing = s3.list_objects_v2(Bucket="acme-snowplow", Prefix=folder)
    written = sorted(obj["Key"].removeprefix(folder) for obj in listing["Contents"])
    names = readme_output_names()
    assert all(any(fnmatch(key, name) for name in names) for key in written), (written, names)
    assert all(any(fnmatch(key, name) for key in written) for name in names), (written, names)
    # Bad rows are written only for the part that had them.
    assert [key for key in written if key.startswith("bad/")] == ["bad/part-00001.jsonl.gz"]
    assert len([key for key in written if key.startswith("good/")]) == 2
