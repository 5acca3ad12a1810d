"""What a worker process needs to build its own S3 client: a picklable description of one.

A boto3 client cannot cross a process boundary (it holds sockets and locks), so the driver sends
workers an :class:`S3ClientSpec` instead: region, endpoint, botocore ``Config``, TLS verification
and *frozen* credentials. Credentials are frozen at the moment a part is handed out, so temporary
ones (an assumed role) are refreshed by the driver's session as they near expiry, never by the
worker. They travel only through the pipe to the worker; the spec's ``repr`` leaves them out, so
neither a log line nor an error message can show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from airflow_provider_snowplow.errors import SnowplowProviderError


@dataclass(frozen=True)
class S3ClientSpec:
    """An S3 client to build in another process.

    Attributes:
        region_name: the client's region.
        endpoint_url: a custom endpoint (``None``: AWS's, resolved by botocore).
        config: the botocore ``Config`` (retries, timeouts, addressing style...).
        verify: TLS verification as boto3 takes it (``None``: the default).
        access_key / secret_key / token: frozen credentials; ``None`` to use the worker's own
            default credential chain.
    """

    region_name: str | None = None
    endpoint_url: str | None = None
    config: Any = None
    verify: bool | str | None = None
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)

    @classmethod
    def from_session(
        cls,
        session: Any,
        endpoint_url: str | None = None,
        config: Any = None,
        verify: bool | str | None = None,
    ) -> S3ClientSpec:
        """The spec of ``session.client("s3", endpoint_url=..., config=..., verify=...)``.

        Args:
            session: a boto3 ``Session``; its credentials are frozen now (temporary ones are
                refreshed first if they are about to expire).
            endpoint_url: a custom S3 endpoint, or None for AWS's.
            config: the botocore ``Config``.
            verify: TLS verification as boto3 takes it.
        """
        return cls(
            region_name=session.region_name,
            endpoint_url=endpoint_url,
            config=config,
            verify=verify,
            **_frozen(session.get_credentials()),
        )

    @classmethod
    def from_client(cls, client: Any) -> S3ClientSpec:
        """The spec of an existing boto3 S3 client: its region, endpoint, config and credentials.

        botocore has no public accessor for a client's credentials; this uses its documented-private
        ``_get_credentials()``. Callers who have the session (the Airflow hook does) should use
        :meth:`from_session`. TLS verification is not readable from a client: a client made with
        ``verify=False`` or a custom CA bundle needs :meth:`from_session`.

        Raises:
            SnowplowProviderError: this botocore offers no way to read the client's credentials.
        """
        get_credentials = getattr(client, "_get_credentials", None)
        if get_credentials is None:
            raise SnowplowProviderError(
                "cannot read the S3 client's credentials to hand them to worker processes; pass "
                "client_spec=S3ClientSpec.from_session(...) to process_run, or workers=1"
            )
        return cls(
            region_name=client.meta.region_name,
            endpoint_url=client.meta.endpoint_url,
            config=client.meta.config,
            **_frozen(get_credentials()),
        )

    def client(self, session: Any = None) -> Any:
        """A new boto3 S3 client as described, made by ``session`` (a new boto3 session by default).

        A session that made an S3 client before has the service model loaded, and makes the next
        one in a tenth of the time.
        """
        if session is None:
            import boto3

            session = boto3.session.Session()
        return session.client(
            "s3",
            region_name=self.region_name,
            endpoint_url=self.endpoint_url,
            config=self.config,
            verify=self.verify,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            aws_session_token=self.token,
        )


def _frozen(credentials: Any) -> dict[str, str | None]:
    """Access key, secret key and token of botocore credentials as of now (``None``s if none)."""
    if credentials is None:
        return {"access_key": None, "secret_key": None, "token": None}
    frozen = credentials.get_frozen_credentials()
    return {"access_key": frozen.access_key, "secret_key": frozen.secret_key, "token": frozen.token}
