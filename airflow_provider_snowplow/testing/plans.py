"""Plans driven by scripted AWS answers: unit tests of this package's AWS work, with no server.

A plan (:mod:`airflow_provider_snowplow.aws.plans`) is pure logic: it yields the calls it wants made
and receives their responses. So how it behaves under any sequence of AWS answers can be tested by
answering its calls from a script: a condition that fails, a page of unprocessed keys, a
``TransactionConflict`` that only real contention on real DynamoDB produces (neither moto nor
DynamoDB Local ever does). Such a test runs in microseconds, and it can assert every call the plan
made, method, parameters and count: the cost models in the modules' docstrings are claims about
exactly those calls, which a test against a server can only count.

:class:`ScriptedAws` answers each call with the next answer of a list, or with what a function of
the call returns. An answer that is an exception is raised into the plan at its call, as the runners
(:mod:`airflow_provider_snowplow.aws.runners`) do with AWS errors, so the plan's own error handling is
what is tested. It drives a plan in one of two ways:

* :meth:`ScriptedAws.run` drives the plan itself, as the runners' step loop would, minus the I/O: a
  :class:`~airflow_provider_snowplow.aws.plans.Pause` is recorded, not slept;
  :class:`~airflow_provider_snowplow.aws.plans.Concurrently` sub-plans are driven one after another,
  in order, each to its end (so a list of answers is consumed in that order), and an error in one
  leaves without reaching the parent plan, as it leaves a runner. An AWS error the plan does not
  handle leaves as it was answered: turning it into a readable error is the runners' job;
* :meth:`ScriptedAws.clients` and :meth:`ScriptedAws.async_clients` stand in for boto3 and
  aiobotocore clients, to test the runners themselves on the same script.

Every call is checked against botocore's model of its service before it is answered (the client has
the method, and would accept the parameters), so that no plan passes here with a call AWS refuses.

The answers are responses as boto3 returns them; :func:`s3_page`, :func:`s3_object`,
:func:`manifest_table`, :func:`items_page` and :func:`client_error` build the ones the package's plans
ask for; :func:`requested_keys` reads the keys of a call to the manifest.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, get_args

from botocore.exceptions import ClientError

from airflow_provider_snowplow.aws.plans import AwsCall, Concurrently, Pause, Plan, Response, Service, T
from airflow_provider_snowplow.manifest.table import RUN_ID_ATTRIBUTE

Step = AwsCall | Pause | Concurrently
Answer = Response | Exception
Answerer = Callable[[AwsCall], Answer]


def client_error(
    code: str,
    message: str = "",
    operation: str = "",
    *,
    retries: int = 0,
    status: int = 400,
    **response: Any,
) -> ClientError:
    """An AWS error response as botocore raises it, to script a call that fails.

    Args:
        code: the AWS error code, e.g. ``"ConditionalCheckFailedException"``.
        message: the error's message.
        operation: the API operation it answers, e.g. ``"PutItem"``.
        retries: the retries botocore made before giving up (``ResponseMetadata.RetryAttempts``).
        status: the HTTP status.
        response: more fields of the error response, e.g. ``CancellationReasons`` of a cancelled
            transaction or the ``Item`` of a failed condition with ``ReturnValuesOnConditionCheckFailure``.
    """
    metadata = {"RetryAttempts": retries, "HTTPStatusCode": status}
    error: Any = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": metadata, **response}
    return ClientError(error, operation)


def s3_object(
    key: str, last_modified: float, size: int = 1, storage_class: str = "STANDARD"
) -> dict[str, Any]:
    """One ``Contents`` entry of a ``ListObjectsV2`` page, its time as boto3 gives it (a datetime)."""
    return {
        "Key": key,
        "Size": size,
        "ETag": '"' + hashlib.md5(f"{key}:{size}".encode(), usedforsecurity=False).hexdigest() + '"',
        "LastModified": datetime.fromtimestamp(last_modified, UTC),
        "StorageClass": storage_class,
    }


def s3_page(
    objects: Iterable[dict[str, Any]] = (), folders: Iterable[str] = (), next_token: str | None = None
) -> Response:
    """A ``ListObjectsV2`` page: ``objects`` (:func:`s3_object`), folder prefixes, and the next page's token."""
    contents, prefixes = list(objects), [{"Prefix": folder} for folder in folders]
    page: Response = {"KeyCount": len(contents) + len(prefixes), "IsTruncated": next_token is not None}
    if contents:
        page["Contents"] = contents
    if prefixes:
        page["CommonPrefixes"] = prefixes
    if next_token is not None:
        page["NextContinuationToken"] = next_token
    return page


def manifest_table(table_name: str, item_count: int = 0, size_bytes: int = 0) -> Response:
    """The ``DescribeTable`` response for a manifest table as Snowplow's SDK creates it (hash key RunId)."""
    return {
        "Table": {
            "TableName": table_name,
            "TableStatus": "ACTIVE",
            "KeySchema": [{"AttributeName": RUN_ID_ATTRIBUTE, "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": RUN_ID_ATTRIBUTE, "AttributeType": "S"}],
            "ItemCount": item_count,
            "TableSizeBytes": size_bytes,
        }
    }


def items_page(table_name: str, items: Iterable[dict[str, Any]], unprocessed: Iterable[str] = ()) -> Response:
    """A ``BatchGetItem`` response of ``items``, with the keys ``unprocessed`` left for another request."""
    page: Response = {"Responses": {table_name: list(items)}}
    keys = [{RUN_ID_ATTRIBUTE: {"S": key}} for key in unprocessed]
    if keys:
        page["UnprocessedKeys"] = {table_name: {"Keys": keys, "ConsistentRead": True}}
    return page


def requested_keys(call: AwsCall) -> list[str]:
    """The item keys (``RunId``) a ``BatchGetItem`` or ``GetItem`` call asks for, in order."""
    if call.method == "get_item":
        return [call.params["Key"][RUN_ID_ATTRIBUTE]["S"]]
    (request,) = call.params["RequestItems"].values()
    return [key[RUN_ID_ATTRIBUTE]["S"] for key in request["Keys"]]


class ScriptedAws:
    """AWS as a script: answers each call a plan makes, and records every step it takes.

    Args:
        answers: the answers in the order the calls will be made (a response, or an exception to
            raise at the call), or a function of each call that returns its answer.
        validate: check each call against botocore's model of its service; off only to test a
            call that botocore itself would refuse.

    Attributes:
        steps: every step in the order it was taken; a ``Concurrently`` step is followed by the
            steps of its sub-plans, one sub-plan after another.
    """

    def __init__(self, answers: Iterable[Answer] | Answerer, *, validate: bool = True) -> None:
        self._answerer = answers if callable(answers) else None
        self._answers = [] if callable(answers) else list(answers)
        self._validate = validate
        self._lock = threading.Lock()  # the runners call clients from threads
        self.steps: list[Step] = []

    @property
    def calls(self) -> list[AwsCall]:
        """The calls made, in order."""
        return [step for step in self.steps if isinstance(step, AwsCall)]

    @property
    def outline(self) -> list[str]:
        """The steps in brief: a call's method, ``"pause"``, or ``"concurrently(<sub-plans>)"``."""
        return [_brief(step) for step in self.steps]

    @property
    def unused(self) -> Sequence[Answer]:
        """The scripted answers no call has taken (always empty for a function)."""
        return tuple(self._answers)

    def run(self, plan: Plan[T]) -> T:
        """Drive ``plan`` to its end and return its result; the steps it took are added to :attr:`steps`.

        Raises:
            Exception: whatever the plan raises, as it raised it.
            AssertionError: the plan made a call the script has no answer for, or one botocore
                would refuse (not raised into the plan: the test is wrong, or the plan is).
        """
        try:
            step = next(plan)
            while True:
                self._record(step)
                if isinstance(step, Pause):
                    step = plan.send(None)
                elif isinstance(step, Concurrently):
                    results = [self.run(sub_plan) for sub_plan in step.plans]
                    step = plan.send(results)  # type: ignore[arg-type]  # a list for Concurrently
                else:
                    answer = self._answer(step)
                    step = plan.throw(answer) if isinstance(answer, Exception) else plan.send(answer)
        except StopIteration as done:
            result: T = done.value
            return result

    def clients(self, region_name: str = "eu-west-1", endpoint_url: str | None = None) -> dict[str, Any]:
        """boto3-like clients of every service, keyed by name, for ``run_sync``: the script answers them.

        A call's answer is returned, or raised when it is an exception; each call is recorded. The
        runner makes the calls of ``Concurrently`` sub-plans from several threads (unless its limit is
        1), in an order of theirs: answer those with a function of the call, not a list.
        """
        return self._clients(_Client, region_name, endpoint_url)

    def async_clients(
        self, region_name: str = "eu-west-1", endpoint_url: str | None = None
    ) -> dict[str, Any]:
        """aiobotocore-like clients for ``run_async``: as :meth:`clients`, with coroutine methods."""
        return self._clients(_AsyncClient, region_name, endpoint_url)

    def _clients(self, kind: type[_Client], region_name: str, endpoint_url: str | None) -> dict[str, Any]:
        meta = SimpleNamespace(region_name=region_name, endpoint_url=endpoint_url)
        return {service: kind(self, service, meta) for service in get_args(Service)}

    def _record(self, step: Step) -> None:
        with self._lock:
            self.steps.append(step)

    def _answer(self, call: AwsCall) -> Answer:
        if self._validate:
            _check(call)
        if self._answerer is not None:
            return self._answerer(call)
        with self._lock:
            if self._answers:
                return self._answers.pop(0)
            made = sum(isinstance(step, AwsCall) for step in self.steps)
        raise AssertionError(
            f"call {made} of the plan, {call.operation} {call.params!r}, has no answer: "
            f"the script has {made - 1}"
        )


class _Client:
    """A boto3 client whose every method answers from a :class:`ScriptedAws`."""

    def __init__(self, script: ScriptedAws, service: Service, meta: SimpleNamespace) -> None:
        self._script = script
        self._service = service
        self.meta = meta

    def __getattr__(self, method: str) -> Callable[..., Response]:
        if method.startswith("_"):
            raise AttributeError(method)

        def call(**params: Any) -> Response:
            made = AwsCall(self._service, method, params)
            self._script._record(made)
            answer = self._script._answer(made)
            if isinstance(answer, Exception):
                raise answer
            return answer

        return call


class _AsyncClient(_Client):
    def __getattr__(self, method: str) -> Callable[..., Any]:
        sync = super().__getattr__(method)

        async def call(**params: Any) -> Response:
            return sync(**params)

        return call


def _brief(step: Step) -> str:
    if isinstance(step, AwsCall):
        return step.method
    if isinstance(step, Pause):
        return "pause"
    return f"concurrently({len(step.plans)})"


@functools.cache
def _operations(service: str) -> dict[str, Any]:
    """The service's botocore operation models, by client method name (``list_objects_v2``)."""
    import botocore.session
    from botocore import xform_name

    model = botocore.session.get_session().get_service_model(service)
    return {xform_name(name): model.operation_model(name) for name in model.operation_names}


def _check(call: AwsCall) -> None:
    """Raise unless a boto3 client of ``call.service`` has ``call.method`` and accepts its parameters."""
    from botocore.validate import ParamValidator

    operation = _operations(call.service).get(call.method)
    if operation is None:
        raise AssertionError(f"a boto3 {call.service} client has no method {call.method!r}")
    report = ParamValidator().validate(call.params, operation.input_shape)
    if report.has_errors():
        raise AssertionError(f"botocore refuses {operation.name} {call.params!r}: {report.generate_report()}")
