from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_snowplow.archive.run_ids import run_timestamp, sort_run_ids, validate_run_id
from airflow_provider_snowplow.archive.urls import ArchiveUrl, parse_archive_url
from airflow_provider_snowplow.errors import ArchiveUrlError, RunIdError


# A table of cases, a row each: test_public_paths.py's table of moved modules has its shape, nothing more.
@pytest.mark.parametrize(
    ("url", "bucket", "prefix"),
    [
        ("s3://acme/enriched/archive/", "acme", "enriched/archive/"),
        ("s3://acme/enriched/archive", "acme", "enriched/archive/"),
        ("s3a://acme/enriched/archive", "acme", "enriched/archive/"),
        ("s3n://acme-snowplow.eu/x", "acme-snowplow.eu", "x/"),
        ("s3://acme", "acme", ""),
        ("s3://acme/", "acme", ""),
        ("s3://Legacy_Bucket/a/b/", "Legacy_Bucket", "a/b/"),
    ],
)
def test_parse_archive_url_accepts_sdk_schemes_and_normalises_the_prefix(
    url: str, bucket: str, prefix: str
) -> None:
    assert parse_archive_url(url) == ArchiveUrl(bucket, prefix)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("acme/enriched", "must start with s3://"),
        ("http://acme/enriched", "must start with s3://"),
        ("S3://acme/enriched", "must start with s3://"),
        ("", "must start with s3://"),
        ("s3://", "no bucket name"),
        ("s3:///enriched/", "no bucket name"),
        ("s3://a/x", "not a valid S3 bucket name"),
        ("s3://-acme/x", "not a valid S3 bucket name"),
        ("s3://ac..me/x", "not a valid S3 bucket name"),
        ("s3://192.168.1.1/x", "not a valid S3 bucket name"),
        ("s3://acmé/x", "not a valid S3 bucket name"),
        ("s3://acme/enriched archive/", "whitespace"),
        ("s3://acme//archive/", "empty path segment"),
    ],
)
def test_parse_archive_url_rejects_with_one_readable_line(url: str, says: str) -> None:
    with pytest.raises(ArchiveUrlError, match=says) as raised:
        parse_archive_url(url)
    assert "\n" not in str(raised.value)
    assert str(raised.value).startswith(f"archive URL {url!r}"), "the message names the URL first"


def test_parse_archive_url_rejects_non_strings() -> None:
    with pytest.raises(ArchiveUrlError, match="must be a string"):
        parse_archive_url(None)  # type: ignore[arg-type]


@given(st.text(max_size=80))
def test_parse_archive_url_never_raises_anything_but_its_own_error(url: str) -> None:
    try:
        parsed = parse_archive_url(url)
    except ArchiveUrlError:
        return
    assert url.startswith(("s3://", "s3a://", "s3n://"))
    assert parsed.prefix == "" or parsed.prefix.endswith("/")
    assert parse_archive_url(str(parsed)) == parsed


@given(st.text(max_size=60))
def test_run_timestamp_is_total(run_id: str) -> None:
    stamp = run_timestamp(run_id)
    assert stamp is None or run_id.endswith("/")


def test_run_timestamp_accepts_only_real_run_folders() -> None:
    assert run_timestamp("enriched/archive/run=2017-04-07-10-00-00/") == datetime(2017, 4, 7, 10, 0, 0)
    assert run_timestamp("run=2017-04-07-10-00-00/") == datetime(2017, 4, 7, 10, 0, 0)
    # What Snowplow's Python SDK wrongly accepted (it strips the characters 'r', 'u', 'n', '='):
    assert run_timestamp("enriched/archive/2017-04-07-10-00-00/") is None
    assert run_timestamp("enriched/archive/nur=2017-04-07-10-00-00/") is None
    assert run_timestamp("enriched/archive/run=2017-04-07-10-00-00") is None
    assert run_timestamp("enriched/archive/run=2017-02-30-10-00-00/") is None
    assert run_timestamp("enriched/archive/run=2017-04-07-25-00-00/") is None
    assert run_timestamp("run=2017-04-07-10-00-00/part-0000/") is None


def test_validate_run_id_explains_common_mistakes() -> None:
    assert validate_run_id("a/run=2017-04-07-10-00-00/") == "a/run=2017-04-07-10-00-00/"
    with pytest.raises(RunIdError, match="drop the s3://bucket/ part"):
        validate_run_id("s3://acme/a/run=2017-04-07-10-00-00/")
    with pytest.raises(RunIdError, match="add the trailing slash"):
        validate_run_id("a/run=2017-04-07-10-00-00")
    with pytest.raises(RunIdError, match="not a Snowplow run id"):
        validate_run_id("manual__2026-11-26T10:00:00")


def test_sort_run_ids_orders_by_time_then_prefix() -> None:
    runs = ["b/run=2017-01-02-00-00-00/", "a/run=2017-01-02-00-00-00/", "z/run=2016-12-31-23-59-59/"]
    assert sort_run_ids(runs) == [runs[2], runs[1], runs[0]]


def test_sort_run_ids_leaves_out_what_is_not_a_run_folder() -> None:
    runs = [
        "a/run=2017-01-02-00-00-00/",
        "a/_SUCCESS/",
        "a/run=2017-02-30-00-00-00/",
        "a/run=2016-01-01-00-00-00",
    ]
    assert sort_run_ids(runs) == ["a/run=2017-01-02-00-00-00/"]
