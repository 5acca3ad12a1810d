"""The placeholder credentials of a local AWS endpoint (moto, DynamoDB Local), for every door.

A local endpoint accepts any key pair and region, but boto3 refuses to sign a request without one.
The testing kit's :class:`~airflow_provider_snowplow.testing.local_aws.LocalAws` serves with these,
and the CLI falls back to them for an ``--endpoint-url`` on loopback when nothing else is
configured, so that ``snowplow-manifest --endpoint-url http://127.0.0.1:4566 ...`` just works. The
core holds them because the shipped CLI must not import the testing kit.
"""

LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
