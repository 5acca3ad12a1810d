"""``snowplow_analytics_sdk.snowplow_event_transformation_exception``: the SDK's exception, which is ours.

The transformer raises it for a bad line; ``error_messages`` and ``message`` are there as in the
SDK, and it can be raised with a list of messages as the SDK's converters do. Its ``str()`` is the
messages, one per line (the SDK's was the ``repr`` of the list).
"""

from airflow_provider_snowplow.event_transformer.errors import SnowplowEventTransformationException

__all__ = ["SnowplowEventTransformationException"]
