"""AWS work as data, carried out by boto3 or aiobotocore.

Plans (:mod:`.plans`), the runners that carry them out (:mod:`.runners`), one pagination plan
(:mod:`.pagination`), readable failures (:mod:`.failures`), and a local endpoint's placeholder
credentials (:mod:`.local_endpoint`).

Core code: imports neither Airflow nor, until a runner is given clients, boto3.
"""

from airflow_provider_snowplow.aws.plans import AwsCall, Pause, Plan, call_once, error_code
from airflow_provider_snowplow.aws.runners import run_async, run_sync

__all__ = ["AwsCall", "Pause", "Plan", "call_once", "error_code", "run_async", "run_sync"]
