"""Every output codec decompresses to the JSON Lines the transformer wrote, byte for byte, and the
stdlib takes over where python-isal is missing, with the same decompressed output."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import textwrap

import pytest

from airflow_provider_snowplow.event_transformer import transform_stream
from airflow_provider_snowplow.processing import codecs
from airflow_provider_snowplow.processing.codecs import (
    check_compression,
    decompress,
    gzip_read_errors,
    open_gzip_reader,
    open_writer,
)
from airflow_provider_snowplow.testing.events import valid_lines
from tests.support import block_imports


@pytest.fixture(scope="module")
def tsv() -> bytes:
    """Enriched TSV of 1,500 realistic events and one bad line (several 1 MB transform blocks)."""
    lines = [line.encode() + b"\n" for line in valid_lines(1500, seed=5)]
    return b"".join(lines[:700]) + b"not\tan\tevent\n" + b"".join(lines[700:])


@pytest.fixture(scope="module")
def json_lines(tsv: bytes) -> tuple[bytes, bytes]:
    """Good events and bad rows as the transformer writes them, uncompressed."""
    good, bad = io.BytesIO(), io.BytesIO()
    transform_stream(io.BytesIO(tsv), good, bad, source_name="part-00000")
    return good.getvalue(), bad.getvalue()


def compressed(tsv: bytes, compression: codecs.Compression) -> tuple[bytes, bytes]:
    """Good events and bad rows written through ``open_writer``, as a part writes them."""
    good, bad = io.BytesIO(), io.BytesIO()
    with open_writer(good, compression) as good_out, open_writer(bad, compression) as bad_out:
        transform_stream(
            open_gzip_reader(io.BytesIO(gzip.compress(tsv))), good_out, bad_out, source_name="part-00000"
        )
    assert not good.closed, "closing the writer must leave the spool open for the upload"
    return good.getvalue(), bad.getvalue()


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_output_decompresses_to_the_transformers_json_lines(
    tsv: bytes, json_lines: tuple[bytes, bytes], compression: codecs.Compression
) -> None:
    good, bad = compressed(tsv, compression)
    assert decompress(good, compression) == json_lines[0]
    assert decompress(bad, compression) == json_lines[1]
    assert json.loads(decompress(bad, compression))["line"] == "not\tan\tevent"
    assert len(good) * 3 < len(json_lines[0]), "a speed-oriented level still compresses"


def test_gzip_output_equals_what_the_stdlib_writer_at_level_9_made_before(
    tsv: bytes, json_lines: tuple[bytes, bytes]
) -> None:
    before = io.BytesIO()
    with gzip.GzipFile(fileobj=before, mode="wb", mtime=0) as out:  # the writer of release 0.1.0
        out.write(json_lines[0])
    good, _ = compressed(tsv, "gzip")
    assert gzip.decompress(good) == gzip.decompress(before.getvalue())
    assert good[:2] == b"\x1f\x8b" and good[4:8] == b"\0\0\0\0", "a gzip member with mtime 0"


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_the_same_input_gives_the_same_bytes(tsv: bytes, compression: codecs.Compression) -> None:
    assert compressed(tsv, compression) == compressed(tsv, compression)


def test_without_isal_the_stdlib_writes_and_reads_the_same_json_lines(tsv: bytes) -> None:
    program = block_imports("isal") + textwrap.dedent(
        """
        import gzip, io, sys
        from airflow_provider_snowplow.event_transformer import transform_stream
        from airflow_provider_snowplow.processing import codecs

        tsv = sys.stdin.buffer.read()
        good, bad = io.BytesIO(), io.BytesIO()
        with codecs.open_writer(good, "gzip") as out, codecs.open_writer(bad, "gzip") as bad_out:
            source = codecs.open_gzip_reader(io.BytesIO(gzip.compress(tsv)))
            transform_stream(source, out, bad_out, source_name="part-00000")
        assert "isal" not in sys.modules, sorted(m for m in sys.modules if "isal" in m)
        print(codecs.gzip_implementation(), file=sys.stderr)
        sys.stdout.buffer.write(good.getvalue())
        """
    )
    done = subprocess.run([sys.executable, "-c", program], input=tsv, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr.decode().strip() == "stdlib"
    isal_bytes, _ = compressed(tsv, "gzip")
    assert codecs.gzip_implementation() == "isal"
    assert done.stdout != isal_bytes, "another deflate implementation wrote these bytes"
    assert gzip.decompress(done.stdout) == gzip.decompress(isal_bytes)


def test_the_reader_takes_every_member_and_reports_damage(tsv: bytes) -> None:
    two_members = gzip.compress(tsv[:1000]) + gzip.compress(tsv[1000:])
    assert open_gzip_reader(io.BytesIO(two_members)).read() == tsv
    whole = gzip.compress(tsv)
    for damaged in (whole[: len(whole) // 2], whole[:30] + b"\xff" * 64 + whole[94:]):
        with pytest.raises(gzip_read_errors()):
            open_gzip_reader(io.BytesIO(damaged)).read()


def test_compression_names_are_checked() -> None:
    assert check_compression("zstd") == "zstd"
    with pytest.raises(ValueError, match="compression must be one of 'gzip', 'zstd', got 'lz4'"):
        check_compression("lz4")
    with pytest.raises(ValueError, match="got None"):
        check_compression(None)


def test_zstd_without_its_package_says_how_to_install_it() -> None:
    program = block_imports("zstandard") + textwrap.dedent(
        """
        from airflow_provider_snowplow.processing.codecs import check_compression
        try:
            check_compression("zstd")
        except ValueError as error:
            print(error)
        """
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=False)
    assert "pip install 'airflow-provider-snowplow[zstd]'" in done.stdout, done.stderr
