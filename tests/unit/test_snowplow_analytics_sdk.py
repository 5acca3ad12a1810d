"""``airflow_provider_snowplow.snowplow_analytics_sdk``: the SDK 0.2.3's functions, examples and results.

The SDK's own doctest examples are read from its installed source (``.venv-sdk``, see the testing
kit's ``sdk_source``) and run against our modules; the functions without AWS are compared with
the real SDK, run in its own interpreter, on the same inputs: equal, or different only where
docs/event-transformer.md says we are stricter on purpose.
"""

from __future__ import annotations

import ast
import doctest
import sys
import warnings
from functools import cache
from types import ModuleType
from typing import Any

import pytest

from airflow_provider_snowplow import snowplow_analytics_sdk as ours
from airflow_provider_snowplow.event_transformer import FIELD_NAMES
from airflow_provider_snowplow.testing.events import valid_lines
from airflow_provider_snowplow.testing.sdk import run_program, sdk_source

# Every doctest of SDK 0.2.3 (snowplow_analytics_sdk/run_manifests.py and json_shredder.py).
SDK_DOCTESTS = [
    ("run_manifests", "split_full_path"),
    ("run_manifests", "extract_run_id"),
    ("run_manifests", "normalize_prefix"),
    ("run_manifests", "clean_dict"),
    ("json_shredder", "extract_schema"),
]


@cache
def sdk_doctests(module: str) -> dict[str, str]:
    """The docstrings with examples of an SDK module, by function name."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)  # the SDK's `path is ''`
        # ... and its regular expressions in plain strings ('\.', '\g<1>'): the SDK's code, not ours.
        warnings.filterwarnings("ignore", "invalid escape sequence", DeprecationWarning)
        tree = ast.parse(sdk_source(f"snowplow_analytics_sdk.{module}"))
    return {
        node.name: doc
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and (doc := ast.get_docstring(node)) and ">>>" in doc
    }


def test_these_are_all_the_sdks_doctests() -> None:
    modules = (
        "run_manifests",
        "json_shredder",
        "event_transformer",
        "snowplow_event_transformation_exception",
    )
    found = {(module, name) for module in modules for name in sdk_doctests(module)}
    assert found == set(SDK_DOCTESTS)


@pytest.mark.parametrize(("module", "function"), SDK_DOCTESTS)
def test_the_sdks_doctest_holds_on_our_module(module: str, function: str) -> None:
    ours_module: ModuleType = getattr(ours, module)
    test = doctest.DocTestParser().get_doctest(
        sdk_doctests(module)[function],
        dict(vars(ours_module)),
        function,
        f"snowplow_analytics_sdk/{module}.py",
        0,
    )
    assert test.examples, "the SDK's docstring has examples"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    failures: list[str] = []
    runner.run(test, out=failures.append)
    assert runner.failures == 0, "".join(failures)


# The same calls, made on the SDK and on us. Each result is the value, or the exception's type name.
CALLS: list[tuple[str, str, tuple[Any, ...]]] = [
    ("run_manifests", "split_full_path", ("s3://mybucket/path-to-events",)),
    ("run_manifests", "split_full_path", ("s3://mybucket",)),
    ("run_manifests", "split_full_path", ("s3://mybucket/",)),
    ("run_manifests", "split_full_path", ("s3a://snowplow-bucket/some/prefix",)),
    ("run_manifests", "split_full_path", ("http://mybucket/x",)),
    ("run_manifests", "extract_run_id", ("enriched/archive/run=2017-04-07-10-00-00/",)),
    ("run_manifests", "extract_run_id", ("run=2017-04-07-10-00-00/",)),
    ("run_manifests", "extract_run_id", ("enriched/archive/run=2017-02-30-10-00-00/",)),
    ("run_manifests", "extract_run_id", ("enriched/archive/",)),
    ("run_manifests", "normalize_prefix", (None,)),
    ("run_manifests", "normalize_prefix", ("",)),
    ("run_manifests", "normalize_prefix", ("/",)),
    ("run_manifests", "normalize_prefix", ("a/b",)),
    ("run_manifests", "clean_dict", ({"a": None, "b": 0, "c": ""},)),
    ("json_shredder", "extract_schema", ("iglu:com.acme/a_B/jsonschema/1-0-12",)),
    ("json_shredder", "extract_schema", ("iglu:com.acme/a/jsonschema/01-0-0",)),
    ("json_shredder", "extract_schema", ("com.acme/a/jsonschema/1-0-0",)),
    ("json_shredder", "fix_schema", ("contexts", "iglu:org.w3/PerformanceTiming/jsonschema/1-0-0")),
    (
        "json_shredder",
        "fix_schema",
        ("unstruct_event", "iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1"),
    ),
    (
        "json_shredder",
        "fix_schema",
        ("contexts", "iglu:com.acme-corporation_underscore/event_name-dash/jsonschema/1-10-1"),
    ),
    ("json_shredder", "fix_schema", ("contexts", "iglu:com.Acme/aBC-dE_f/jsonschema/3-0-0")),
    ("json_shredder", "fix_schema", ("contexts", "not an iglu uri")),
    # The examples in the docstrings of parse_contexts and parse_unstruct (whose keys there, with
    # "context_" and "unstruct_", are not what the SDK returns: the SDK is the oracle here).
    (
        "json_shredder",
        "parse_contexts",
        (
            '{"data": [{"data": {"unique": true}, "schema": "iglu:com.acme/unduplicated/jsonschema/1-0-0"},'
            ' {"data": {"value": 1}, "schema": "iglu:com.acme/duplicated/jsonschema/1-0-0"},'
            ' {"data": {"value": 2}, "schema": "iglu:com.acme/duplicated/jsonschema/1-0-0"}],'
            ' "schema": "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0"}',
        ),
    ),
    (
        "json_shredder",
        "parse_unstruct",
        (
            '{"data": {"data": {"key": "value"}, "schema": "iglu:com.snowplowanalytics.snowplow/link_click/'
            'jsonschema/1-0-1"}, "schema": "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0"}',
        ),
    ),
    (
        "json_shredder",
        "parse_unstruct",
        ('{"data": {"schema": "iglu:a/b/c/1-0-0"}, "schema": "iglu:x/y/z/1-0-0"}',),
    ),
    *[("event_transformer", "transform", (line,)) for line in valid_lines(3, seed=17)],
    ("event_transformer", "transform", ("two\tfields",)),
    ("event_transformer", "jsonify_good_event", (next(iter(valid_lines(1, seed=18))).split("\t"),)),
]
CALL_PROGRAM = """
import importlib, json, sys
import snowplow_analytics_sdk as package
results = []
for module, function, arguments in json.loads(sys.argv[1])["calls"]:
    try:
        results.append(getattr(importlib.import_module(package.__name__ + "." + module), function)(*arguments))
    except Exception as error:
        results.append({"raised": type(error).__name__, "is_value_error": isinstance(error, ValueError)})
print(json.dumps(results))
"""
# The same program on our subpackage: only its import differs.
OUR_CALL_PROGRAM = CALL_PROGRAM.replace(
    "import snowplow_analytics_sdk as package",
    "from airflow_provider_snowplow import snowplow_analytics_sdk as package",
)


def sdk_and_ours(calls: list[tuple[str, str, tuple[Any, ...]]]) -> tuple[list[Any], list[Any]]:
    return run_program(CALL_PROGRAM, calls=calls), run_program(
        OUR_CALL_PROGRAM, python=sys.executable, calls=calls
    )


def test_the_functions_give_the_sdks_results() -> None:
    theirs, mine = sdk_and_ours(CALLS)
    for (_, function, arguments), sdk, us in zip(CALLS, theirs, mine, strict=True):
        if isinstance(sdk, dict) and "raised" in sdk:
            # The same exception, or (for the SDK's ValueError) one of ours that is a ValueError.
            assert us["raised"] == sdk["raised"] or (
                sdk["raised"] == "ValueError" and us["is_value_error"]
            ), (
                function,
                arguments,
                sdk,
                us,
            )
        else:
            assert us == sdk, (function, arguments)


def test_the_documented_differences_are_the_only_ones() -> None:
    calls = [
        ("run_manifests", "extract_run_id", ("enriched/archive/2017-04-07-10-00-00/",)),
        ("run_manifests", "extract_run_id", ("enriched/archive/nur=2017-04-07-10-00-00/",)),
        ("run_manifests", "split_full_path", ("s3://ab/x",)),
        ("json_shredder", "extract_schema", ("iglu:com.acme/a/jsonschema/1-0-0\n",)),
        (
            "json_shredder",
            "parse_contexts",
            ('{"schema": "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0", "data": ""}',),
        ),
        ("json_shredder", "parse_contexts", ('{"data": []}',)),
    ]
    theirs, mine = sdk_and_ours(calls)
    # The SDK accepts each (a run folder without "run=", or "nur="; a two-letter bucket; a newline
    # after an Iglu URI; no contexts where the envelope has none); we refuse each, with a ValueError.
    assert theirs == [
        "enriched/archive/2017-04-07-10-00-00/",
        "enriched/archive/nur=2017-04-07-10-00-00/",
        ["ab", "x/"],
        {"vendor": "com.acme", "name": "a", "format": "jsonschema", "version": "1-0-0"},
        [],
        [],
    ]
    assert mine[:2] == [None, None]
    assert [result["is_value_error"] for result in mine[2:]] == [True] * 4
    assert [result["raised"] for result in mine[2:]] == [
        "ArchiveUrlError",
        *["SnowplowEventTransformationException"] * 3,
    ]


def test_a_field_table_of_the_callers_own_is_walked_as_the_sdk_walks_it() -> None:
    from airflow_provider_snowplow.snowplow_analytics_sdk.event_transformer import (
        ENRICHED_EVENT_FIELD_TYPES,
        convert_int,
        jsonify_good_event,
        transform,
    )
    from airflow_provider_snowplow.snowplow_analytics_sdk.snowplow_event_transformation_exception import (
        SnowplowEventTransformationException,
    )

    def shout(key: str, value: str) -> list[tuple[str, Any]]:
        if value == "boom":
            raise SnowplowEventTransformationException([f"cannot shout {value}"])
        return [(key.upper(), value.upper())]

    table = tuple((name, shout if name == "app_id" else c) for name, c in ENRICHED_EVENT_FIELD_TYPES)
    line = next(iter(valid_lines(1, seed=19)))
    values = line.split("\t")
    values[FIELD_NAMES.index("app_id")] = "shop"
    expected = {"APP_ID": "SHOP", **{k: v for k, v in transform(line).items() if k != "app_id"}}
    assert jsonify_good_event(values, table) == expected
    assert transform("\t".join(values), table) == expected

    values[FIELD_NAMES.index("app_id")] = "boom"
    values[FIELD_NAMES.index("txn_id")] = "x"
    with pytest.raises(SnowplowEventTransformationException) as raised:
        jsonify_good_event(values, table)
    assert raised.value.error_messages[0] == "Invalid value 'boom' for field app_id: cannot shout boom"
    assert "txn_id" in raised.value.error_messages[1]
    with pytest.raises(SnowplowEventTransformationException, match="Expected 130 fields, received 131"):
        jsonify_good_event(values, table[:-1])
    assert convert_int("txn_id", "7") == [("txn_id", 7)]
