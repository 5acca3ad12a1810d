"""Imported once by the workers' forkserver, before it forks any worker.

It imports the worker code, and boto3 with its S3 model loaded (:func:`~.workers.warm_boto3`), so
that every worker inherits both instead of importing and loading them again. The driver never
imports this module.
"""

from airflow_provider_snowplow.processing import workers

workers.warm_boto3()
