"""Moved to :mod:`airflow_provider_snowplow.testing.local_aws`; this path keeps working.

``python -m airflow_provider_snowplow.local_aws [PORT]`` still serves the endpoint.
"""

from airflow_provider_snowplow.testing.local_aws import LOCAL_CREDENTIALS, LocalAws, main, serve

__all__ = ["LOCAL_CREDENTIALS", "LocalAws", "serve"]

if __name__ == "__main__":
    main()
