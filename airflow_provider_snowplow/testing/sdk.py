"""Snowplow's own Python SDK (``snowplow-analytics-sdk==0.2.3``), run in its own interpreter.

The reference implementation our tests and benchmarks compare against. It pins old libraries, so
it lives in a separate venv (``./dev setup`` makes ``.venv-sdk`` in a checkout); point
``SNOWPLOW_SDK_PYTHON`` at another interpreter that has it installed.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from airflow_provider_snowplow.testing.local_aws import LOCAL_CREDENTIALS

SDK_VERSION = "0.2.3"
# In a checkout (an editable install), the venv that ./dev setup makes beside the package.
_CHECKOUT_SDK_PYTHON = Path(__file__).resolve().parents[2] / ".venv-sdk" / "bin" / "python"


def sdk_python() -> str:
    """The interpreter that has ``snowplow-analytics-sdk`` installed.

    Raises:
        FileNotFoundError: saying how to make one.
    """
    python = os.environ.get("SNOWPLOW_SDK_PYTHON", str(_CHECKOUT_SDK_PYTHON))
    if not Path(python).exists():
        raise FileNotFoundError(
            f"no interpreter with snowplow-analytics-sdk=={SDK_VERSION} at {python}: run `./dev setup` "
            "in a checkout, or set SNOWPLOW_SDK_PYTHON"
        )
    return python


def run_program(program: str, endpoint_url: str | None = None, python: str | None = None, **args: Any) -> Any:
    """Run a Python program in an interpreter of its own; returns the JSON its last output line holds.

    The program reaches AWS as any boto3 program does, ``boto3.client("s3")``: the environment
    points it at the local endpoint (``AWS_ENDPOINT_URL``) with the local credentials and region.
    ``args`` (this call's keyword arguments) are in ``sys.argv[1]``, as JSON.

    Args:
        program: the source; it prints its result, as JSON, on its last line.
        endpoint_url: the local AWS endpoint; None for a program that calls no AWS.
        python: the interpreter; by default the one with the reference SDK (:func:`sdk_python`).
        **args: handed to the program as JSON in ``sys.argv[1]``.

    Raises:
        RuntimeError: the program failed; the message holds its standard error.
    """
    env = {**os.environ, **LOCAL_CREDENTIALS}
    if endpoint_url is not None:
        env["AWS_ENDPOINT_URL"] = endpoint_url
    done = subprocess.run(
        [python or sdk_python(), "-c", program, json.dumps(args)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"program failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_sdk(script: str, endpoint_url: str, **args: Any) -> Any:
    """Run ``script`` with the real Snowplow SDK against a local endpoint; returns its JSON output.

    The script sees ``s3`` and ``dynamodb`` boto3 clients, ``args`` (this call's keyword
    arguments) and ``sdk`` (``snowplow_analytics_sdk.run_manifests``), and sets ``result``.

    Raises:
        RuntimeError: the script failed; the message holds its standard error.
    """
    prelude = (
        "import json, sys, boto3\n"
        "import snowplow_analytics_sdk.run_manifests as sdk\n"
        "args = json.loads(sys.argv[1])\n"
        "s3 = boto3.client('s3')\n"
        "dynamodb = boto3.client('dynamodb')\n"
    )
    return run_program(prelude + script + "\nprint(json.dumps(result))\n", endpoint_url, **args)


def sdk_source(module: str) -> str:
    """The source of a module of the reference SDK (``snowplow_analytics_sdk.run_manifests``), as installed."""
    read = "import importlib, inspect, sys; sys.stdout.write(inspect.getsource(importlib.import_module(sys.argv[1])))"
    done = subprocess.run([sdk_python(), "-c", read, module], capture_output=True, text=True, check=True)
    return done.stdout


# Run by the SDK's own interpreter: one JSON document per input line, the event or its errors.
# The line terminator is removed first: the SDK would make it part of true_tstamp (a documented
# difference), which is the only normalisation the comparison needs.
SDK_TRANSFORM_SCRIPT = """
import json, sys
from snowplow_analytics_sdk.event_transformer import transform
from snowplow_analytics_sdk.snowplow_event_transformation_exception import (
    SnowplowEventTransformationException,
)
with open(sys.argv[1], "rb") as lines, open(sys.argv[2], "w") as out:
    for raw in lines:
        line = raw.decode().removesuffix("\\n")
        try:
            out.write(json.dumps(transform(line)) + "\\n")
        except SnowplowEventTransformationException as error:
            out.write(json.dumps({"__errors__": error.error_messages}) + "\\n")
"""


def sdk_transform(tsv: Path) -> list[Any]:
    """What snowplow-analytics-sdk 0.2.3 makes of each line of a file, in its own venv.

    Each item is the SDK's event, or ``{"__errors__": [...]}``; parsed with the standard json
    module so that integers stay exact.
    """
    out = tsv.with_suffix(".sdk.jsonl")
    subprocess.run([sdk_python(), "-c", SDK_TRANSFORM_SCRIPT, str(tsv), str(out)], check=True)
    with out.open(encoding="utf-8") as results:
        return [json.loads(result) for result in results]
