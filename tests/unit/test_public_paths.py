"""Every import path the README and docs/ show works: users' DAGs import them, so moves keep them."""

from __future__ import annotations

import importlib
import re

import pytest

from tests.support import REPO

# The README and the site's pages (not the API reference, which the code itself generates).
DOCS = "\n".join(path.read_text() for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))])
# `from airflow_provider_snowplow.x import (a, b)` in code blocks, and `airflow_provider_snowplow.x`
# module names in the prose and tables.
FROM_IMPORTS = [
    (module, parenthesized or plain)
    for module, parenthesized, plain in re.findall(
        r"from (airflow_provider_snowplow[\w.]*) import (?:\(([^)]*)\)|([\w, ]+)$)", DOCS, re.MULTILINE
    )
]
MODULES = sorted(set(re.findall(r"`(airflow_provider_snowplow(?:\.\w+)*)`", DOCS)))


def test_the_docs_show_import_paths() -> None:
    assert len(FROM_IMPORTS) >= 4 and len(MODULES) >= 5, "the patterns no longer find the docs' imports"


@pytest.mark.parametrize(("module", "names"), FROM_IMPORTS, ids=[m for m, _ in FROM_IMPORTS])
def test_each_from_import_of_the_docs_works(module: str, names: str) -> None:
    imported = importlib.import_module(module)
    for name in (n.strip() for n in names.replace("\n", ",").split(",")):
        if name:
            assert hasattr(imported, name), f"{module} has no {name}"


@pytest.mark.parametrize("dotted", MODULES)
def test_each_module_or_object_the_docs_name_imports(dotted: str) -> None:
    try:
        importlib.import_module(dotted)
    except ModuleNotFoundError:
        module, _, name = dotted.rpartition(".")
        assert hasattr(importlib.import_module(module), name), f"{dotted} is neither a module nor in one"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("airflow_provider_snowplow.sensors.pending_runs.PendingRunSensor", "SnowplowPendingRunSensor"),
        ("airflow_provider_snowplow.triggers.pending_runs.PendingRunTrigger", "SnowplowPendingRunTrigger"),
        (
            "airflow_provider_snowplow.operators.manifest.MarkRunLoadedOperator",
            "SnowplowMarkRunLoadedOperator",
        ),
        ("airflow_provider_snowplow.operators.claims.claimed_run", "claimed_run"),
        ("airflow_provider_snowplow.operators.assets.loaded_runs_asset", "loaded_runs_asset"),
        ("airflow_provider_snowplow.local_aws.LocalAws", "LocalAws"),
    ],
)
def test_the_0_1_names_are_the_new_objects(old: str, new: str) -> None:
    module, _, name = old.rpartition(".")
    assert getattr(importlib.import_module(module), name).__name__ == new


@pytest.mark.parametrize(
    "name", ["add_to_manifest", "create_manifest_table", "is_in_manifest", "list_run_ids"]
)
def test_the_sdk_names_of_0_1_warn_and_are_the_drop_ins(name: str) -> None:
    old = importlib.import_module("airflow_provider_snowplow.load_manifests")
    drop_in = importlib.import_module("airflow_provider_snowplow.snowplow_analytics_sdk.load_manifests")
    with pytest.warns(
        DeprecationWarning, match=rf"load_manifests\.{name} moved: import it from .*snowplow_analytics_sdk"
    ):
        assert getattr(old, name) is getattr(drop_in, name)


def test_a_name_that_never_was_is_still_an_attribute_error() -> None:
    old = importlib.import_module("airflow_provider_snowplow.load_manifests")
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        old.no_such_name  # noqa: B018


@pytest.mark.parametrize(
    ("old", "new", "name"),
    [
        ("processing.spark_job", "spark.job", "run_job"),
        ("processing.spark_arguments", "spark.arguments", "SparkJobArguments"),
        ("processing.spark_submit", "spark.submit", "main"),
        ("processing.emr_serverless", "spark.emr_serverless", "job_driver"),
        ("archive.readiness", "archive.layouts.readiness", "ReadinessRule"),
        ("archive.seal", "archive.layouts.transformer_output", "read_seal"),
        ("archive.layouts.folders", "archive.layouts.enriched_archive", "EnrichedArchive"),
        ("archive.layouts.folders", "archive.layouts.transformer_output", "TransformerOutput"),
    ],
)
def test_moved_modules_of_0_1_warn_and_hand_on_their_new_home(old: str, new: str, name: str) -> None:
    moved = importlib.import_module(f"airflow_provider_snowplow.{old}")
    with pytest.warns(DeprecationWarning, match=rf"{old}\.{name} moved: import it from .*\.{new}"):
        assert getattr(moved, name) is getattr(
            importlib.import_module(f"airflow_provider_snowplow.{new}"), name
        )
