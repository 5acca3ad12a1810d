"""What a run folder holds at one moment: its objects, its part files, and their fingerprint.

Pure data, no I/O: :func:`~airflow_provider_snowplow.archive.listing.list_run_contents` fills a
:class:`RunContents` from one ``ListObjectsV2`` listing, and everything that judges a run reads it:
the readiness rule (is the run complete?), the storage-class check (is it in Glacier?), processing's
re-check under the claim (did it change while we read it?) and ``verify`` (did it change after it was
loaded?). A part file is known by its *signature* ``(key, size, ETag)``: S3 gives a rewritten object
a new ETag, so two listings with the same signatures hold the same bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ARCHIVED_STORAGE_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})
# Hadoop and EMR leave these beside the part files, and RDB Loader's transformer seals its runs with
# the last; they hold no events.
_NOT_PARTS = ("_SUCCESS", "_$folder$", ".crc", "shredding_complete.json")
# How many object names a message lists before "and N more".
_NAMED_IN_MESSAGES = 3

PartSignature = tuple[str, int, str]


def is_part_file(key: str, size: int) -> bool:
    """Whether an object of a run folder holds events (not a marker, checksum or empty file)."""
    name = key.rpartition("/")[2]
    return size > 0 and bool(name) and not any(name.endswith(suffix) for suffix in _NOT_PARTS)


@dataclass(frozen=True)
class RunObject:
    """One object of a run folder, as ``ListObjectsV2`` describes it.

    Attributes:
        key: the full object key.
        size: bytes.
        etag: the ETag without its quotes (for a multipart upload, ``<md5 of md5s>-<parts>``).
        last_modified: epoch seconds. For a multipart upload S3 gives the time the upload *started*,
            so an object can appear with a ``LastModified`` minutes in the past.
        storage_class: ``STANDARD``, ``GLACIER``...
    """

    key: str
    size: int
    etag: str
    last_modified: float
    storage_class: str = "STANDARD"

    @classmethod
    def from_listing(cls, entry: Mapping[str, Any]) -> RunObject:
        """From a ``ListObjectsV2`` ``Contents`` entry (boto3 and aiobotocore give datetimes)."""
        modified = entry.get("LastModified")
        return cls(
            key=str(entry["Key"]),
            size=int(entry.get("Size", 0)),
            etag=str(entry.get("ETag", "")).strip('"'),
            last_modified=modified.timestamp() if isinstance(modified, datetime) else float(modified or 0),
            storage_class=str(entry.get("StorageClass") or "STANDARD"),
        )

    @property
    def signature(self) -> PartSignature:
        """The object's key, size and ETag: what a fingerprint is made of."""
        return (self.key, self.size, self.etag)

    @property
    def is_part(self) -> bool:
        """Whether the object is a part file (data), not a marker or an empty folder object."""
        return is_part_file(self.key, self.size)


@dataclass(frozen=True)
class Fingerprint:
    """What a run's part files were, in three numbers a manifest record can carry.

    Attributes:
        objects: how many part files.
        bytes: their total size.
        digest: ``sha256:`` of the sorted ``key<TAB>size<TAB>etag`` lines: equal digests mean the
            same objects with the same contents.
    """

    objects: int
    bytes: int
    digest: str

    @classmethod
    def of(cls, signatures: Iterable[PartSignature]) -> Fingerprint:
        """The fingerprint of these part files (in any order)."""
        ordered = sorted(signatures)
        lines = "".join(f"{key}\t{size}\t{etag}\n" for key, size, etag in ordered)
        return cls(
            objects=len(ordered),
            bytes=sum(size for _, size, _ in ordered),
            digest="sha256:" + hashlib.sha256(lines.encode()).hexdigest(),
        )


@dataclass(frozen=True)
class RunContents:
    """Every object of one run folder at the moment it was listed, in key order.

    Attributes:
        run_id: the run folder prefix.
        objects: all its objects: part files, markers, checksums.
    """

    run_id: str
    objects: tuple[RunObject, ...] = ()

    @property
    def parts(self) -> tuple[RunObject, ...]:
        """The objects that hold events."""
        return tuple(obj for obj in self.objects if obj.is_part)

    @property
    def signatures(self) -> tuple[PartSignature, ...]:
        """``(key, size, etag)`` of each part file, in key order: what processing reads."""
        return tuple(obj.signature for obj in self.parts)

    @property
    def archived(self) -> bool:
        """Whether objects sit in a storage class that must be restored before they can be read."""
        return any(obj.storage_class in ARCHIVED_STORAGE_CLASSES for obj in self.objects)

    @property
    def newest(self) -> float | None:
        """The latest ``LastModified`` of any object (epoch seconds), None for an empty folder."""
        return max((obj.last_modified for obj in self.objects), default=None)

    def has(self, name: str) -> bool:
        """Whether the folder holds the object ``<run id><name>``."""
        return any(obj.key == self.run_id + name for obj in self.objects)

    def fingerprint(self) -> Fingerprint:
        """The fingerprint of the run's part files as listed."""
        return Fingerprint.of(self.signatures)

    def written_since(self, moment: float) -> list[str]:
        """Names (relative to the run folder) of the part files last written at or after ``moment``."""
        return [obj.key[len(self.run_id) :] for obj in self.parts if obj.last_modified >= moment]


def describe_changes(
    run_id: str, before: Sequence[PartSignature], after: Sequence[PartSignature]
) -> str | None:
    """How the part files ``after`` differ from ``before``, in a few words; None if they do not.

    Example: ``"gained part-00002.gz; rewrote part-00001.gz"`` (names relative to the run folder).
    """
    then = {key: (size, etag) for key, size, etag in before}
    now = {key: (size, etag) for key, size, etag in after}
    gained = sorted(now.keys() - then.keys())
    lost = sorted(then.keys() - now.keys())
    changed = sorted(key for key in then.keys() & now.keys() if then[key] != now[key])
    phrases = []
    if gained:
        phrases.append(f"gained {_names(run_id, gained)}")
    if lost:
        phrases.append(f"lost {_names(run_id, lost)}")
    if changed:
        phrases.append(f"rewrote {_names(run_id, changed)}")
    return "; ".join(phrases) or None


def signatures_from(objects: Iterable[Mapping[str, Any]]) -> tuple[PartSignature, ...]:
    """Part signatures back from their JSON form ``{"key", "size", "etag"}`` (an XCom, ``_SUCCESS.json``).

    Raises:
        ValueError: an entry is not such a mapping.
    """
    try:
        return tuple(sorted((str(o["key"]), int(o["size"]), str(o["etag"])) for o in objects))
    except (KeyError, TypeError, ValueError):
        raise ValueError(
            "must be a list of {'key', 'size', 'etag'} objects, as the transform's XCom 'input_objects' holds"
        ) from None


def signatures_json(signatures: Iterable[PartSignature]) -> list[dict[str, Any]]:
    """The JSON form of part signatures, for an XCom and ``_SUCCESS.json``."""
    return [{"key": key, "size": size, "etag": etag} for key, size, etag in signatures]


def _names(run_id: str, keys: list[str]) -> str:
    shown = [key.removeprefix(run_id) for key in keys[:_NAMED_IN_MESSAGES]]
    more = f" and {len(keys) - _NAMED_IN_MESSAGES} more" if len(keys) > _NAMED_IN_MESSAGES else ""
    return ", ".join(shown) + more
