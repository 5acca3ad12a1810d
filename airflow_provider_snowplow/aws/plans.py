"""The vocabulary of AWS work as data: a *plan* yields :class:`AwsCall` values and gets responses.

Each multi-step operation of this package (finding pending runs, claiming a run...) is written
once, as a generator that yields the calls it wants made and receives each response, with no I/O
of its own (the h11 idea: the protocol is pure logic, I/O is the caller's). The runners in
:mod:`.runners` carry plans out with boto3 (sync) or aiobotocore (async), so one plan serves the
sensor's poke, the deferrable trigger and the CLI alike. A plan that has independent work (a listing
per run) yields :class:`Concurrently`, and the runner decides how: threads or asyncio tasks.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, cast

Service = Literal["s3", "dynamodb", "emr-serverless"]
Response = dict[str, Any]
T = TypeVar("T")
# What a plan yields, and what it gets back: a response for an AwsCall, None after a Pause (and, for
# Concurrently, the list of results, which only :func:`concurrently` receives).
Plan = Generator["AwsCall | Pause | Concurrently", Response | None, T]


@dataclass(frozen=True)
class AwsCall:
    """One API call a plan wants made.

    Attributes:
        service: which client performs it.
        method: the boto3 client method, e.g. ``"batch_get_item"``.
        params: keyword arguments for that method.
        resource: what the call is about, for error messages: ``"bucket 'x'"``,
            ``"manifest table 'y'"``.
    """

    service: Service
    method: str
    params: dict[str, Any] = field(default_factory=dict)
    resource: str = ""

    @property
    def operation(self) -> str:
        """The API operation's name, e.g. ``BatchGetItem`` for ``batch_get_item``."""
        return "".join(part.title() for part in self.method.split("_"))


@dataclass(frozen=True)
class Pause:
    """A plan's request to wait before its next call (backoff, polling); the runner sleeps."""

    seconds: float


@dataclass(frozen=True)
class Concurrently:
    """A plan's request to run several sub-plans at once; the response is their results, in order.

    The runner keeps at most ``limit`` sub-plans going at a time, and as each sub-plan makes one
    call at a time, at most ``limit`` of their calls are in flight. If a sub-plan fails, the runner
    starts no more of them and raises its error once those already started have ended.
    """

    plans: tuple[Plan[Any], ...]
    limit: int

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError(f"Concurrently needs a limit of 1 or more, got {self.limit!r}")


def concurrently(plans: Iterable[Plan[T]], limit: int) -> Plan[list[T]]:
    """Run ``plans`` with at most ``limit`` at a time; their results in the order of ``plans``."""
    results = yield Concurrently(tuple(plans), limit)
    return cast(list[T], results)


def call_once(call: AwsCall) -> Plan[Response]:
    """A plan of a single call, for code that needs one request with the runners' error messages."""
    response = yield call
    return response or {}


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ``ClientError`` (or anything shaped like one), else None."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code is not None else None
    return None
