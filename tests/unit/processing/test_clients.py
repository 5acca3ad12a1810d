"""What worker processes get to build their S3 client: everything of the original, credentials hidden."""

from __future__ import annotations

import pickle
from typing import Any

import boto3
from botocore.config import Config

from airflow_provider_snowplow.processing.clients import S3ClientSpec

SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCY-secret"


def test_a_client_is_rebuilt_with_its_region_endpoint_config_and_credentials() -> None:
    original = boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:9",
        region_name="eu-west-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key=SECRET,
        aws_session_token="token-1",
        config=Config(retries={"mode": "standard", "max_attempts": 8}, s3={"addressing_style": "path"}),
    )
    spec = pickle.loads(pickle.dumps(S3ClientSpec.from_client(original)))
    rebuilt = spec.client()
    config: Any = original.meta.config  # botocore's Config sets its attributes dynamically
    assert rebuilt.meta.endpoint_url == "http://127.0.0.1:9"
    assert rebuilt.meta.region_name == "eu-west-1"
    assert rebuilt.meta.config.retries == config.retries == {"mode": "standard", "total_max_attempts": 9}
    assert rebuilt.meta.config.s3 == {"addressing_style": "path"}
    credentials = rebuilt._get_credentials()
    assert (credentials.access_key, credentials.secret_key, credentials.token) == (
        "AKIDEXAMPLE",
        SECRET,
        "token-1",
    )


def test_a_session_gives_its_current_credentials_and_the_given_settings() -> None:
    session = boto3.session.Session(
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key=SECRET, region_name="us-west-2"
    )
    spec = S3ClientSpec.from_session(session, endpoint_url="http://127.0.0.1:9", verify=False)
    assert (spec.region_name, spec.endpoint_url, spec.verify) == ("us-west-2", "http://127.0.0.1:9", False)
    assert (spec.access_key, spec.secret_key, spec.token) == ("AKIDEXAMPLE", SECRET, None)


def test_the_spec_never_shows_its_credentials() -> None:
    spec = S3ClientSpec(region_name="us-east-1", access_key="AKIDEXAMPLE", secret_key=SECRET, token="token-1")
    shown = repr(spec) + str(spec)
    assert "us-east-1" in shown
    assert SECRET not in shown and "token-1" not in shown and "AKIDEXAMPLE" not in shown
