"""The JSON shapes the transformer writes: the Python SDK's (the default) or the Scala SDK's.

* ``"python"``: ``snowplow_analytics_sdk.event_transformer.transform`` (Python Analytics SDK
  0.2.3): empty fields left out, timestamps as Enrich wrote them, shredded keys with ``-`` kept.
* ``"scala"``: ``Event.parse(line).toJson(lossy = true)`` (Scala Analytics SDK 3.2): every field
  present (``null`` when empty), typed as the SDK types it, shredded keys with ``-`` as ``_``,
  ``_schema_version`` in each context. See :mod:`.scala` and docs/event-transformer.md.
"""

from __future__ import annotations

from typing import Literal

Shape = Literal["python", "scala"]
SHAPES: tuple[Shape, ...] = ("python", "scala")
DEFAULT_SHAPE: Shape = "python"


def check_shape(shape: object) -> Shape:
    """``shape`` if it names a shape.

    Raises:
        ValueError: naming the value and the shapes there are.
    """
    if shape not in SHAPES:
        raise ValueError(
            f"shape must be 'python' (the Python Analytics SDK's JSON, the default) or 'scala' "
            f"(the Scala Analytics SDK's), got {shape!r}"
        )
    return shape
