"""The command line, run as a real subprocess."""

from __future__ import annotations

import gzip
import json
import os
import pty
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from airflow_provider_snowplow.event_transformer import transform
from airflow_provider_snowplow.testing.events import scala_valid_lines, valid_lines, write_lines

LINES = list(valid_lines(30, seed=51))


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "airflow_provider_snowplow.event_transformer", *args],
        input=stdin,
        capture_output=True,
        check=False,
        timeout=60,
    )


@pytest.fixture
def tsv(tmp_path: Path) -> Path:
    return write_lines(tmp_path / "part-00000.tsv", [*LINES[:10], "broken line"])


def test_stdin_to_stdout_with_bad_rows_and_summary_on_stderr() -> None:
    result = run(stdin="\n".join([*LINES[:3], "nope"]).encode())
    assert result.returncode == 0
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events == [json.loads(json.dumps(transform(line))) for line in LINES[:3]]
    *bad_rows, summary = result.stderr.decode().splitlines()
    assert [json.loads(row)["line"] for row in bad_rows] == ["nope"]
    assert summary == "event_transformer: 4 lines, 3 good, 1 bad"


def test_files_gzip_and_output_files(tsv: Path, tmp_path: Path) -> None:
    compressed = tmp_path / "part-00001.tsv.gz"
    compressed.write_bytes(gzip.compress("\n".join(LINES[10:20]).encode()))
    out, bad = tmp_path / "good.jsonl.gz", tmp_path / "bad.jsonl"
    result = run(str(tsv), str(compressed), "-o", str(out), "--bad-rows", str(bad), "--no-geolocation")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    assert result.stderr.decode() == "event_transformer: 21 lines, 20 good, 1 bad\n"
    events = [json.loads(line) for line in gzip.decompress(out.read_bytes()).splitlines()]
    assert len(events) == 20
    assert all("geo_location" not in event for event in events)
    [row] = [json.loads(line) for line in bad.read_text().splitlines()]
    assert (row["source"], row["line_number"], row["line"]) == (str(tsv), 11, "broken line")


def test_fail_on_bad_rows_exits_1_after_processing_everything(tsv: Path) -> None:
    result = run("--fail-on-bad-rows", str(tsv))
    assert result.returncode == 1
    assert len(result.stdout.splitlines()) == 10
    assert result.stderr.decode().endswith("event_transformer: 11 lines, 10 good, 1 bad\n")
    assert run("--fail-on-bad-rows", stdin=LINES[0].encode()).returncode == 0


def test_unreadable_input_and_bad_arguments_exit_2(tmp_path: Path) -> None:
    missing = run(str(tmp_path / "missing.tsv"))
    assert missing.returncode == 2
    assert b"No such file or directory" in missing.stderr
    truncated = tmp_path / "x.gz"
    truncated.write_bytes(gzip.compress(b"plain text\n" * 100)[:30])
    cut = run(str(truncated))
    assert cut.returncode == 2
    assert b"event_transformer:" in cut.stderr
    assert run("--no-such-option").returncode == 2


def test_gzip_is_recognised_by_content_not_by_name(tmp_path: Path) -> None:
    line = b"not\tan\tevent\n"
    named_plain, unnamed_gzip = tmp_path / "plain.gz", tmp_path / "part-00000"
    named_plain.write_bytes(line)
    unnamed_gzip.write_bytes(gzip.compress(line * 3))
    for path, lines in ((named_plain, 1), (unnamed_gzip, 3)):
        done = run(str(path))
        assert done.returncode == 0
        assert f"{lines} lines, 0 good, {lines} bad".encode() in done.stderr


def test_shape_scala_writes_the_scala_sdks_json_and_an_unknown_shape_is_a_usage_error() -> None:
    lines = list(scala_valid_lines(3, seed=52))
    result = run("--shape", "scala", stdin="\n".join(lines).encode())
    assert result.returncode == 0
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events == [json.loads(json.dumps(transform(line, shape="scala"))) for line in lines]
    wrong = run("--shape", "avro", stdin=LINES[0].encode())
    assert wrong.returncode == 2 and b"invalid choice: 'avro'" in wrong.stderr


def test_an_unreadable_input_is_named_and_leaves_no_partial_output(tsv: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "part-00003.gz"
    truncated.write_bytes(gzip.compress("\n".join(LINES).encode())[:2000])
    out, bad = tmp_path / "events.jsonl", tmp_path / "bad.jsonl.gz"
    out.write_text("from an earlier run\n")
    before = sorted(p.name for p in tmp_path.iterdir())
    done = run(str(tsv), str(truncated), "-o", str(out), "--bad-rows", str(bad))
    assert done.returncode == 2
    assert done.stderr.decode() == (
        f"event_transformer: {truncated}: cannot read it: truncated or corrupt gzip data (Compressed file "
        f"ended before the end-of-stream marker was reached); nothing was written to {out} or {bad}\n"
    )
    assert out.read_text() == "from an earlier run\n", "an earlier output is not clobbered"
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "no partial file is left behind"


def test_reading_stdin_from_a_terminal_says_so(tmp_path: Path) -> None:
    controller, terminal = pty.openpty()
    bad = tmp_path / "bad.jsonl"
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "airflow_provider_snowplow.event_transformer", "--bad-rows", str(bad)],
            stdin=terminal,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        os.write(controller, b"typed by hand\n\x04")  # a (short) line, then end of input: Ctrl-D
        out, err = process.communicate(timeout=60)
    finally:
        os.close(controller)
        os.close(terminal)
    assert (process.returncode, out) == (0, b"")
    assert err.decode().splitlines() == [
        "event_transformer: reading enriched events from stdin (end with Ctrl-D; pass FILE... to read "
        "files, --help for more)",
        "event_transformer: 1 lines, 0 good, 1 bad",
    ]
    assert json.loads(bad.read_text())["line"] == "typed by hand"


def test_output_to_a_special_file_writes_through_it(tsv: Path, tmp_path: Path) -> None:
    """A FIFO (or /dev/null) is written to, never renamed over as a regular file would be."""
    fifo = tmp_path / "events.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    done = run(str(tsv), "-o", str(fifo))
    reader.join(timeout=60)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert len(received[0].splitlines()) == 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.fifo", "part-00000.tsv"]
