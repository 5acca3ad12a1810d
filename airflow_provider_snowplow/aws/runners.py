"""Carry out plans: :func:`run_sync` with boto3 clients, :func:`run_async` with aiobotocore ones.

AWS errors are thrown back into the plan at the point of the call, so a plan handles the errors it
expects (``ConditionalCheckFailed``...); any other error leaves the runner as one readable
:class:`~airflow_provider_snowplow.errors.AwsRequestError` or
:class:`~airflow_provider_snowplow.errors.ManifestTableError`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from airflow_provider_snowplow.aws.failures import describe_failure, is_botocore_error
from airflow_provider_snowplow.aws.plans import AwsCall, Pause, Plan, T


def run_sync(plan: Plan[T], clients: Mapping[str, Any]) -> T:
    """Drive ``plan`` with boto3 clients keyed by service name (``"s3"``, ``"dynamodb"``)."""
    try:
        step = next(plan)
        while True:
            if isinstance(step, Pause):
                time.sleep(step.seconds)
                step = plan.send(None)
                continue
            try:
                response = _method(clients, step)(**step.params)
            except Exception as exc:
                step = _throw(plan, step, exc, clients)
            else:
                step = plan.send(response)
    except StopIteration as done:
        result: T = done.value
        return result


async def run_async(plan: Plan[T], clients: Mapping[str, Any]) -> T:
    """Drive ``plan`` with aiobotocore clients keyed by service name; mirrors :func:`run_sync`."""
    try:
        step = next(plan)
        while True:
            if isinstance(step, Pause):
                await asyncio.sleep(step.seconds)
                step = plan.send(None)
                continue
            try:
                response = await _method(clients, step)(**step.params)
            except Exception as exc:
                step = _throw(plan, step, exc, clients)
            else:
                step = plan.send(response)
    except StopIteration as done:
        result: T = done.value
        return result


def _method(clients: Mapping[str, Any], call: AwsCall) -> Any:
    return getattr(clients[call.service], call.method)


def _region(clients: Mapping[str, Any], service: str) -> str | None:
    meta = getattr(clients[service], "meta", None)
    return getattr(meta, "region_name", None)


def _throw(plan: Plan[Any], call: AwsCall, exc: Exception, clients: Mapping[str, Any]) -> AwsCall | Pause:
    """Let the plan handle an AWS error; if it does not, raise the readable form instead.

    Errors that do not come from botocore (bugs, interrupts) pass through untouched.
    """
    if not is_botocore_error(exc):
        raise exc
    try:
        return plan.throw(exc)
    except Exception as unhandled:
        if unhandled is exc:
            raise describe_failure(call, exc, _region(clients, call.service)) from exc
        raise
