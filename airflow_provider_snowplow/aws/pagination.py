"""One pagination plan for every listing: S3's continuation tokens and DynamoDB's start keys.

Pages go to a sink as they arrive, so a listing of 100,000 keys keeps only what its caller keeps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from airflow_provider_snowplow.aws.plans import AwsCall, Plan, Response


@dataclass(frozen=True)
class Cursor:
    """Where an API puts the token of the next page in a response, and where it takes it back."""

    response_key: str
    request_key: str


S3_LISTING = Cursor("NextContinuationToken", "ContinuationToken")
DYNAMODB_SCAN = Cursor("LastEvaluatedKey", "ExclusiveStartKey")


def paginate(
    call: AwsCall,
    cursor: Cursor,
    on_page: Callable[[Response], None],
    enough: Callable[[], bool] | None = None,
) -> Plan[None]:
    """Make ``call``, then again with each next-page token, until a page has none or ``enough()``."""
    while True:
        page = yield call
        assert page is not None
        on_page(page)
        if enough is not None and enough():
            return
        token = page.get(cursor.response_key)
        if not token or page.get("IsTruncated") is False:
            return
        call = replace(call, params={**call.params, cursor.request_key: token})
