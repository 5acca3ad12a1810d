"""What goes wrong when an enriched event is transformed, in a form people and programs can read.

A parser reports a problem by raising :class:`InvalidValue`; the transformer turns every problem of a
line into a :class:`FieldError` and raises them all together in one
:class:`SnowplowEventTransformationException`, so a bad row lists everything wrong with it at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import orjson

# A bad row keeps the whole line, so an error only needs enough of a value to be recognised.
VALUE_DISPLAY_LIMIT = 1000


def clip(value: str) -> str:
    """Shorten a value for an error message, saying how much was left out."""
    if len(value) <= VALUE_DISPLAY_LIMIT:
        return value
    return f"{value[:VALUE_DISPLAY_LIMIT]}... ({len(value) - VALUE_DISPLAY_LIMIT} more characters)"


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one line.

    Attributes:
        field: the enriched-event field, e.g. ``txn_id``; None when the problem is the whole line
            (wrong field count, invalid UTF-8).
        value: the offending value, or the offending part of it (the bad Iglu URI inside
            ``contexts``), clipped to :data:`VALUE_DISPLAY_LIMIT` characters; None for line errors.
        reason: why it was rejected, e.g. ``not an integer``.
    """

    field: str | None
    value: str | None
    reason: str

    @property
    def message(self) -> str:
        """One human-readable line naming the field and the value, like the SDK's messages."""
        if self.field is None:
            return self.reason
        return f"Invalid value {self.value!r} for field {self.field}: {self.reason}"

    def as_dict(self) -> dict[str, str | None]:
        """The error as a plain dict (``field``, ``value``, ``reason``), ready for any JSON encoder."""
        return asdict(self)

    def to_json(self) -> str:
        """The error as a JSON object, e.g. for a log line."""
        return orjson.dumps(self.as_dict()).decode()


class SnowplowEventTransformationException(ValueError):
    """A line is not a valid enriched event; carries every problem found in it.

    Named and shaped like the exception of Snowplow's Python Analytics SDK, so code written against
    the SDK keeps working, with a structured form added. Like the SDK's, it can be raised with
    plain messages (``SnowplowEventTransformationException(["bad value"])``, as an SDK-style field
    converter does); each becomes a :class:`FieldError` naming no field.

    Attributes:
        errors: one :class:`FieldError` per problem, in field order.
        error_messages: the same problems as strings, each naming the field and the value.
        message: the messages joined with newlines.
    """

    def __init__(self, errors: Sequence[FieldError | str]) -> None:
        self.errors = [error if isinstance(error, FieldError) else line_error(error) for error in errors]
        self.error_messages = [error.message for error in self.errors]
        self.message = "\n".join(self.error_messages)
        super().__init__(self.message)

    def as_dicts(self) -> list[dict[str, str | None]]:
        """The errors as plain dicts, the form bad rows store them in."""
        return [error.as_dict() for error in self.errors]


class InvalidValue(ValueError):
    """Raised by a field parser: why the value is wrong, possibly several times over.

    Each problem is a pair ``(part, reason)``: ``part`` narrows the problem down to a piece of the
    value (the bad schema URI in a contexts array) or is None when the whole value is at fault.
    """

    def __init__(self, reason: str, part: str | None = None) -> None:
        super().__init__(reason)
        self.problems: list[tuple[str | None, str]] = [(part, reason)]

    @classmethod
    def of(cls, problems: Iterable[InvalidValue]) -> InvalidValue:
        """Several problems of one value as one exception."""
        combined = cls.__new__(cls)
        combined.problems = [problem for single in problems for problem in single.problems]
        ValueError.__init__(combined, "; ".join(reason for _, reason in combined.problems))
        return combined

    def field_errors(self, field: str, value: str) -> list[FieldError]:
        """The problems as :class:`FieldError` objects of ``field`` whose whole value is ``value``."""
        return [
            FieldError(field, clip(value if part is None else part), reason) for part, reason in self.problems
        ]


def line_error(reason: str) -> FieldError:
    """A problem with the line as a whole rather than one field."""
    return FieldError(None, None, reason)
