"""The exceptions this package raises, each with a message a user can act on.

Everything derives from :class:`SnowplowProviderError`, so a caller can catch the family; the
subclasses also derive from the builtin a Python user would expect (``ValueError`` for bad input),
so generic handlers keep working.
"""

from __future__ import annotations

import functools


class SnowplowProviderError(Exception):
    """Base class: the message is one line naming the resource and what to do."""


class S3UrlError(SnowplowProviderError, ValueError):
    """An S3 location that is not ``s3://bucket/prefix/`` (or ``s3a://``, ``s3n://``)."""


class ArchiveUrlError(S3UrlError):
    """A bad ``archive_url``: the S3 folder whose ``run=`` folders are the runs."""


class OutputUrlError(S3UrlError):
    """A bad ``output_url``: where processing writes a run's JSON Lines."""


class RunIdError(SnowplowProviderError, ValueError):
    """A Snowplow run id that is not a ``.../run=YYYY-MM-DD-HH-MM-SS/`` folder prefix."""


class ManifestTableError(SnowplowProviderError):
    """The manifest table is missing, not ready, or does not have the ``RunId`` (S) hash key."""


class AwsRequestError(SnowplowProviderError):
    """An AWS call failed after botocore's retries; the message names the call and the resource.

    Attributes:
        code: the AWS error code (``AccessDenied``, ``NoSuchBucket``...) or the botocore
            exception name for connection failures.
        operation: the API operation, e.g. ``BatchGetItem``.
    """

    def __init__(self, message: str, *, code: str, operation: str) -> None:
        super().__init__(message)
        self.code = code
        self.operation = operation

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle with the keyword arguments, so the error survives coming back from a worker process."""
        return functools.partial(type(self), code=self.code, operation=self.operation), (str(self),)


class ClaimLostError(SnowplowProviderError):
    """Another owner holds the run's claim, so this owner must not mark the run loaded."""


class RunInputError(SnowplowProviderError):
    """A part file of a run cannot be read as (gzipped) text, e.g. truncated gzip data."""
