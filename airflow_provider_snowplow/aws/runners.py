"""Carry out plans: :func:`run_sync` with boto3 clients, :func:`run_async` with aiobotocore ones.

AWS errors are thrown back into the plan at the point of the call, so a plan handles the errors it
expects (``ConditionalCheckFailed``...); any other error leaves the runner as one readable
:class:`~airflow_provider_snowplow.errors.AwsRequestError` or
:class:`~airflow_provider_snowplow.errors.ManifestTableError`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any

from airflow_provider_snowplow.aws.failures import describe_failure, is_botocore_error
from airflow_provider_snowplow.aws.plans import AwsCall, Pause, Plan, Response, T


def run_sync(plan: Plan[T], clients: Mapping[str, Any]) -> T:
    """Drive ``plan`` with boto3 clients keyed by service name (``"s3"``, ``"dynamodb"``)."""
    steps = _steps(plan, clients)
    try:
        step = next(steps)
        while True:
            step = steps.send(_perform(clients, step))
    except StopIteration as done:
        result: T = done.value
        return result


async def run_async(plan: Plan[T], clients: Mapping[str, Any]) -> T:
    """Drive ``plan`` with aiobotocore clients keyed by service name; mirrors :func:`run_sync`."""
    steps = _steps(plan, clients)
    try:
        step = next(steps)
        while True:
            step = steps.send(await _perform_async(clients, step))
    except StopIteration as done:
        result: T = done.value
        return result


@dataclass(frozen=True)
class _Failed:
    """A call's outcome when the client raised."""

    error: Exception


Outcome = Response | _Failed | None


def _steps(plan: Plan[T], clients: Mapping[str, Any]) -> Generator[AwsCall | Pause, Outcome, T]:
    """``plan``, with each call's failure thrown into it, or raised readably if it does not handle it.

    What the runners share: they only perform each step and send back its outcome.
    """
    try:
        step = next(plan)
        while True:
            outcome = yield step
            if not isinstance(outcome, _Failed):
                step = plan.send(outcome)
                continue
            call, exc = step, outcome.error
            assert isinstance(call, AwsCall)
            if not is_botocore_error(exc):  # bugs and interrupts pass through untouched
                raise exc
            try:
                step = plan.throw(exc)
            except Exception as unhandled:
                if unhandled is exc:
                    raise describe_failure(call, exc, *_place(clients, call.service)) from exc
                raise
    except StopIteration as done:  # the plan's return value (a generator may not let it through)
        result: T = done.value
        return result


def _perform(clients: Mapping[str, Any], step: AwsCall | Pause) -> Outcome:
    if isinstance(step, Pause):
        time.sleep(step.seconds)
        return None
    try:
        response: Response = getattr(clients[step.service], step.method)(**step.params)
    except Exception as exc:
        return _Failed(exc)
    return response


async def _perform_async(clients: Mapping[str, Any], step: AwsCall | Pause) -> Outcome:
    if isinstance(step, Pause):
        await asyncio.sleep(step.seconds)
        return None
    try:
        response: Response = await getattr(clients[step.service], step.method)(**step.params)
    except Exception as exc:
        return _Failed(exc)
    return response


def _place(clients: Mapping[str, Any], service: str) -> tuple[str | None, str | None]:
    """The region and endpoint URL of the client for ``service``, for error messages."""
    meta = getattr(clients[service], "meta", None)
    return getattr(meta, "region_name", None), getattr(meta, "endpoint_url", None)
