"""Our output against the real snowplow-analytics-sdk 0.2.3, run in its own venv, line by line.

The SDK venv is made by ``./dev setup``; without it these tests fail (they never skip), because
equality with the SDK is the transformer's contract.
"""

from __future__ import annotations

import json
from pathlib import Path

from airflow_provider_snowplow.event_transformer import transform
from airflow_provider_snowplow.testing.events import (
    CONTEXTS_URI,
    DERIVED_CONTEXTS_URI,
    INDEX,
    valid_lines,
    write_lines,
)
from airflow_provider_snowplow.testing.sdk import sdk_transform
from tests.transform_checks import strictly_typed

CORPUS_SIZE = 4000


def test_every_valid_line_transforms_exactly_as_the_sdk(tmp_path: Path) -> None:
    lines = list(valid_lines(CORPUS_SIZE, seed=11))
    expected = sdk_transform(write_lines(tmp_path / "corpus.tsv", lines))
    assert len(expected) == len(lines)
    for number, (line, sdk_event) in enumerate(zip(lines, expected, strict=True), start=1):
        assert "__errors__" not in sdk_event, f"line {number}: the corpus must be valid for the SDK"
        ours = transform(line)
        assert strictly_typed(ours) == strictly_typed(sdk_event), f"line {number} differs"
        assert list(ours) == list(sdk_event), f"line {number}: keys in another order"


def test_with_crlf_and_geolocation_off_only_the_terminator_is_normalised(tmp_path: Path) -> None:
    lines = list(valid_lines(200, seed=12))
    expected = sdk_transform(write_lines(tmp_path / "corpus.tsv", lines))
    for line, sdk_event in zip(lines, expected, strict=True):
        assert strictly_typed(transform(line + "\r\n")) == strictly_typed(sdk_event)
        sdk_event.pop("geo_location", None)
        assert strictly_typed(transform(line, add_geolocation_data=False)) == strictly_typed(sdk_event)


def test_merged_contexts_are_the_sdks_two_halves(tmp_path: Path) -> None:
    """Where a key comes from contexts and derived_contexts, ours holds the SDK's two lists."""
    web_page = "iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0"
    contexts = json.dumps({"schema": CONTEXTS_URI, "data": [{"schema": web_page, "data": {"id": "t"}}]})
    derived = json.dumps(
        {"schema": DERIVED_CONTEXTS_URI, "data": [{"schema": web_page, "data": {"id": "d"}}]}
    )
    both, only_contexts, only_derived = [], [], []
    for line in valid_lines(50, seed=13):
        fields = line.split("\t")
        fields[INDEX["contexts"]], fields[INDEX["derived_contexts"]] = contexts, derived
        both.append("\t".join(fields))
        fields[INDEX["derived_contexts"]] = ""
        only_contexts.append("\t".join(fields))
        fields[INDEX["contexts"]], fields[INDEX["derived_contexts"]] = "", derived
        only_derived.append("\t".join(fields))
    sdk = sdk_transform(write_lines(tmp_path / "merge.tsv", both + only_contexts + only_derived))
    key = "contexts_com_snowplowanalytics_snowplow_web_page_1"
    for index, line in enumerate(both):
        ours = transform(line)
        sdk_both, sdk_contexts, sdk_derived = sdk[index], sdk[index + 50], sdk[index + 100]
        assert sdk_both[key] == [{"id": "d"}]  # the SDK lost the tracker's context
        assert ours[key] == sdk_contexts[key] + sdk_derived[key] == [{"id": "t"}, {"id": "d"}]
        assert strictly_typed({**ours, key: None}) == strictly_typed({**sdk_both, key: None})
