"""Apache Airflow provider for Snowplow batch pipelines on AWS.

Importing the package is cheap on purpose: it loads neither Airflow nor boto3, so DAG files and
Spark or Lambda jobs that only need :mod:`airflow_provider_snowplow.load_manifests` or
:mod:`airflow_provider_snowplow.event_transformer` pay for nothing else.
"""

__version__ = "0.1.0"
