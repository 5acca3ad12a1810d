"""Carry out plans: :func:`run_sync` with boto3 clients, :func:`run_async` with aiobotocore ones.

Both drive a plan through the one step loop :func:`_steps` and differ only in how they perform a
step: a call, a pause, or :class:`~airflow_provider_snowplow.aws.plans.Concurrently` sub-plans,
which :func:`run_sync` runs on threads (boto3 clients are thread-safe) and :func:`run_async` as
asyncio tasks, each with at most ``limit`` sub-plans under way.

AWS errors are thrown back into the plan at the point of the call, so a plan handles the errors it
expects (``ConditionalCheckFailed``...); any other error leaves the runner as one readable
:class:`~airflow_provider_snowplow.errors.AwsRequestError` or
:class:`~airflow_provider_snowplow.errors.ManifestTableError`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Generator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from airflow_provider_snowplow.aws.failures import describe_failure, is_botocore_error
from airflow_provider_snowplow.aws.plans import AwsCall, Concurrently, Pause, Plan, Response, T

Step = AwsCall | Pause | Concurrently


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


Outcome = Response | list[Any] | _Failed | None


def _steps(plan: Plan[T], clients: Mapping[str, Any]) -> Generator[Step, Outcome, T]:
    """``plan``, with each call's failure thrown into it, or raised readably if it does not handle it.

    What the runners share: they only perform each step and send back its outcome.
    """
    try:
        step = next(plan)
        while True:
            outcome = yield step
            if not isinstance(outcome, _Failed):
                step = plan.send(outcome)  # type: ignore[arg-type]  # a list for Concurrently
                continue
            call, exc = step, outcome.error
            # Bugs, interrupts and sub-plans' errors (already readable) pass through untouched.
            if not isinstance(call, AwsCall) or not is_botocore_error(exc):
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


def _perform(clients: Mapping[str, Any], step: Step) -> Outcome:
    if isinstance(step, Pause):
        time.sleep(step.seconds)
        return None
    try:
        if isinstance(step, Concurrently):
            return _run_on_threads(step, clients)
        response: Response = getattr(clients[step.service], step.method)(**step.params)
    except Exception as exc:
        return _Failed(exc)
    return response


def _run_on_threads(step: Concurrently, clients: Mapping[str, Any]) -> list[Any]:
    """The sub-plans on at most ``step.limit`` threads; on a failure, those not started never start."""
    if step.limit == 1 or len(step.plans) <= 1:
        return [run_sync(plan, clients) for plan in step.plans]
    with ThreadPoolExecutor(min(step.limit, len(step.plans)), thread_name_prefix="snowplow-aws") as pool:
        futures = [pool.submit(run_sync, plan, clients) for plan in step.plans]
        try:
            return [future.result() for future in futures]
        except BaseException:
            for future in futures:
                future.cancel()
            raise


async def _perform_async(clients: Mapping[str, Any], step: Step) -> Outcome:
    if isinstance(step, Pause):
        await asyncio.sleep(step.seconds)
        return None
    try:
        if isinstance(step, Concurrently):
            return await _run_as_tasks(step, clients)
        response: Response = await getattr(clients[step.service], step.method)(**step.params)
    except Exception as exc:
        return _Failed(exc)
    return response


async def _run_as_tasks(step: Concurrently, clients: Mapping[str, Any]) -> list[Any]:
    """The sub-plans as asyncio tasks, at most ``step.limit`` under way; on a failure, the rest stop."""
    slots = asyncio.Semaphore(step.limit)

    async def one(plan: Plan[Any]) -> Any:
        async with slots:
            return await run_async(plan, clients)

    tasks = [asyncio.ensure_future(one(plan)) for plan in step.plans]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _place(clients: Mapping[str, Any], service: str) -> tuple[str | None, str | None]:
    """The region and endpoint URL of the client for ``service``, for error messages."""
    meta = getattr(clients[service], "meta", None)
    return getattr(meta, "region_name", None), getattr(meta, "endpoint_url", None)
