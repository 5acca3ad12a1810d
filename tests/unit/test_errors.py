"""Our exceptions cross process boundaries whole: a worker process's failure is raised in the driver."""

from __future__ import annotations

import pickle

import pytest

from airflow_provider_snowplow.errors import (
    AwsCredentialsError,
    AwsNotFoundError,
    AwsRequestError,
    AwsThrottledError,
)


@pytest.mark.parametrize("kind", [AwsRequestError, AwsCredentialsError, AwsThrottledError, AwsNotFoundError])
def test_aws_errors_survive_pickling_with_their_attributes(kind: type[AwsRequestError]) -> None:
    error = kind(
        "GetObject of 'run=x/part-0' failed after 3 retries", code="Oops", operation="GetObject", retries=3
    )
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is kind
    assert str(back) == str(error)
    assert (back.code, back.operation, back.retries) == ("Oops", "GetObject", 3)
