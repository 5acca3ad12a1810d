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


class InvalidValueError(SnowplowProviderError, ValueError):
    """A value without the shape its field needs: an endpoint URL, a region, a time, a number."""


class ManifestTableError(SnowplowProviderError):
    """The manifest table is missing, not ready, or does not have the ``RunId`` (S) hash key."""


class AwsRequestError(SnowplowProviderError):
    """An AWS call failed; the message names the call, the resource and what to do.

    The subclasses say which kind of failure it was, each with its own fix; a message says
    "after N retries" only when botocore retried.

    Attributes:
        code: the AWS error code (``AccessDenied``, ``NoSuchBucket``...) or the botocore
            exception name for failures without a response (``NoCredentialsError``...).
        operation: the API operation, e.g. ``BatchGetItem``.
        retries: how many times botocore retried the call before giving up (0 when unknown).
    """

    def __init__(self, message: str, *, code: str, operation: str, retries: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.operation = operation
        self.retries = retries

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle with the keyword arguments, so the error survives coming back from a worker process."""
        rebuild = functools.partial(
            type(self), code=self.code, operation=self.operation, retries=self.retries
        )
        return rebuild, (str(self),)


class AwsCredentialsError(AwsRequestError):
    """No credentials were found, or AWS rejected them (unknown key, bad signature, expired token)."""


class AwsPermissionError(AwsRequestError):
    """The credentials are valid but not allowed this call on this resource (IAM)."""


class AwsEndpointError(AwsRequestError):
    """The endpoint could not be reached or did not answer as AWS does (wrong URL or region)."""


class AwsThrottledError(AwsRequestError):
    """AWS kept throttling the call (request rate, table capacity) through every retry."""


class AwsNotFoundError(AwsRequestError):
    """The bucket (or another resource a call names) does not exist."""


class ClaimLostError(SnowplowProviderError):
    """Another owner holds the run's claim, so this owner must not mark the run loaded."""


class RunInputError(SnowplowProviderError):
    """A part file of a run cannot be read as (gzipped) text, e.g. truncated gzip data."""


class RunChangedError(SnowplowProviderError):
    """A run is not complete, or changed while it was processed: it must not be recorded as loaded."""


class RunDriftError(SnowplowProviderError):
    """Loaded runs changed in the archive after they were loaded (``verify``): their records lie."""


class NoRunsError(SnowplowProviderError, ValueError):
    """An archive URL under which nothing of its layout is stored: a typo in the URL, most likely."""


class LayoutError(SnowplowProviderError, ValueError):
    """A run layout or one of its options cannot work (unknown name, a format with no time token...)."""
