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
        "args = json.loads(sys.argv[2])\n"
        "kw = dict(endpoint_url=sys.argv[1], region_name='us-east-1',"
        " aws_access_key_id='testing', aws_secret_access_key='testing')\n"
        "s3 = boto3.client('s3', **kw)\n"
        "dynamodb = boto3.client('dynamodb', **kw)\n"
    )
    program = prelude + script + "\nprint(json.dumps(result))\n"
    done = subprocess.run(
        [sdk_python(), "-c", program, endpoint_url, json.dumps(args)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"SDK script failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


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
