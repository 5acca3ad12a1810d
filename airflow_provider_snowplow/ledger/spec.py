"""What one ledger is: an archive, its manifest table, its run layout and the connection to reach them.

Ledgers are found from the deployment's DAGs (every Snowplow sensor and operator names an archive,
a table, a layout and a connection) or listed in the ``[snowplow] ledgers`` setting where a value is
only known at run time. Two tasks with the same archive, table, layout options and connection share
one ledger; the ledger keeps the DAGs of both, since access to it follows access to them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from airflow_provider_snowplow.archive.layouts import (
    DEFAULT_GRACE_SECONDS,
    DEFAULT_LAYOUT,
    Layout,
    PartitionFormat,
    check_layout_name,
    make_layout,
)
from airflow_provider_snowplow.archive.layouts.readiness import (
    DEFAULT_MARKER,
    DEFAULT_SETTLE_SECONDS,
    ReadinessRule,
    check_marker,
    check_settle_seconds,
)
from airflow_provider_snowplow.archive.urls import S3Url, parse_archive_url
from airflow_provider_snowplow.errors import InvalidValueError, SnowplowProviderError
from airflow_provider_snowplow.manifest.table import validate_table_name
from airflow_provider_snowplow.validation import optional_region, optional_string

# The keys of a ledger in the ``[snowplow] ledgers`` setting, as the tasks name their arguments.
SETTING_KEYS = (
    "archive_url",
    "table_name",
    "layout",
    "ready_marker",
    "settle_seconds",
    "partition_format",
    "grace_seconds",
    "aws_conn_id",
    "region_name",
    "dag_ids",
)
_SETTING_EXAMPLE = (
    '[{"archive_url": "s3://acme/enriched/archive/", "table_name": "snowplow-load-manifests", '
    '"dag_ids": ["snowplow_load_runs"]}]'
)


class LedgerSpecError(InvalidValueError):
    """A ledger's archive, table, layout or connection cannot work; the message names the value."""


@dataclass(frozen=True)
class LedgerSpec:
    """One ledger: what identifies it, and the DAGs that use it (who may see it).

    Attributes:
        archive_url: ``s3://bucket/prefix/``, normalised.
        table_name: the manifest table.
        layout: ``enriched-archive``, ``transformer-output`` or ``s3-loader``.
        ready_marker: the folder layouts' marker (None: none).
        settle_seconds: the folder layouts' quiet period.
        partition_format: ``s3-loader``'s partition format (None: flat).
        grace_seconds: ``s3-loader``'s grace after a window.
        aws_conn_id: the Airflow AWS connection (None: boto3's default chain).
        region_name: overrides the connection's region.
        dag_ids: the DAGs whose tasks use this ledger.
    """

    archive_url: str
    table_name: str
    layout: str = DEFAULT_LAYOUT
    ready_marker: str | None = DEFAULT_MARKER
    settle_seconds: float = DEFAULT_SETTLE_SECONDS
    partition_format: str | None = None
    grace_seconds: float = DEFAULT_GRACE_SECONDS
    aws_conn_id: str | None = "aws_default"
    region_name: str | None = None
    dag_ids: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def build(cls, values: Mapping[str, Any]) -> LedgerSpec:
        """A ledger from task arguments or a setting entry, each checked as the tasks check it.

        Missing values take the tasks' defaults; unknown keys are ignored.

        Raises:
            LedgerSpecError: one line naming the value that cannot work.
        """
        try:
            archive = parse_archive_url(values["archive_url"])
            table = validate_table_name(values["table_name"])
        except KeyError as missing:
            raise LedgerSpecError(f"a ledger needs {missing.args[0]}") from None
        except SnowplowProviderError as invalid:
            raise LedgerSpecError(str(invalid)) from None
        try:
            layout = check_layout_name(values.get("layout") or DEFAULT_LAYOUT)
            partition_format = values.get("partition_format") or None
            if partition_format is not None:
                PartitionFormat.parse(partition_format)
            spec = cls(
                archive_url=str(archive),
                table_name=table,
                layout=layout,
                ready_marker=check_marker(values.get("ready_marker", DEFAULT_MARKER)),
                settle_seconds=check_settle_seconds(values.get("settle_seconds", DEFAULT_SETTLE_SECONDS)),
                partition_format=partition_format,
                grace_seconds=check_settle_seconds(values.get("grace_seconds", DEFAULT_GRACE_SECONDS)),
                aws_conn_id=optional_string(values.get("aws_conn_id", "aws_default")),
                region_name=optional_region(values.get("region_name")),
                dag_ids=frozenset(str(dag_id) for dag_id in values.get("dag_ids") or ()),
            )
            spec.run_layout()
        except (ValueError, SnowplowProviderError) as invalid:
            raise LedgerSpecError(f"ledger of {archive}: {invalid}") from None
        return spec

    @property
    def archive(self) -> S3Url:
        """The archive URL, parsed."""
        return parse_archive_url(self.archive_url)

    def run_layout(self) -> Layout:
        """The run layout with its options, as the tasks build it."""
        rule = ReadinessRule(self.ready_marker, self.settle_seconds)
        return make_layout(self.layout, rule, self.partition_format, self.grace_seconds)

    @property
    def identity(self) -> tuple[object, ...]:
        """What makes two ledgers the same one: everything but the DAGs."""
        return (
            self.archive_url,
            self.table_name,
            self.layout,
            self.ready_marker,
            self.settle_seconds,
            self.partition_format,
            self.grace_seconds,
            self.aws_conn_id,
            self.region_name,
        )

    @property
    def key(self) -> str:
        """A short stable id for URLs: a digest of :attr:`identity` (the same in every API server process)."""
        return hashlib.sha256(json.dumps(self.identity).encode()).hexdigest()[:12]

    @property
    def title(self) -> str:
        """``s3://acme/enriched/archive/ (enriched-archive)``."""
        return f"{self.archive_url} ({self.layout})"

    def describe(self) -> str:
        """Where the ledger's data comes from, for the page: table, layout, connection."""
        conn = self.aws_conn_id or "the default AWS credentials"
        region = f", region {self.region_name}" if self.region_name else ""
        return f"table {self.table_name!r}, {self.run_layout().describe()}, via {conn}{region}"


def merge_ledgers(specs: Iterable[LedgerSpec]) -> list[LedgerSpec]:
    """One ledger per identity, with the DAGs of all the tasks that use it; sorted by archive URL."""
    merged: dict[tuple[object, ...], LedgerSpec] = {}
    for spec in specs:
        known = merged.get(spec.identity)
        merged[spec.identity] = (
            spec if known is None else replace(known, dag_ids=known.dag_ids | spec.dag_ids)
        )
    return sorted(merged.values(), key=lambda spec: (spec.archive_url, spec.table_name, spec.key))


def ledgers_from_setting(text: str) -> list[LedgerSpec]:
    """The ledgers of the ``[snowplow] ledgers`` setting: a JSON list of objects.

    Each object takes the tasks' argument names (:data:`SETTING_KEYS`) and must name the DAGs that
    use the ledger in ``dag_ids``: a user sees the ledger only with read access to one of them.

    Raises:
        LedgerSpecError: one line saying what is wrong and what the setting looks like.
    """
    if not text.strip():
        return []
    try:
        entries = json.loads(text)
    except ValueError as bad:
        raise LedgerSpecError(
            f"[snowplow] ledgers is not JSON ({bad}); write e.g. {_SETTING_EXAMPLE}"
        ) from None
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise LedgerSpecError(f"[snowplow] ledgers must be a JSON list of objects, e.g. {_SETTING_EXAMPLE}")
    specs = []
    for number, entry in enumerate(entries, 1):
        dag_ids = entry.get("dag_ids")
        if not isinstance(dag_ids, list) or not dag_ids or not all(isinstance(d, str) for d in dag_ids):
            raise LedgerSpecError(
                f"[snowplow] ledgers entry {number} needs dag_ids, a list of the DAG ids that use it "
                "(a user sees the ledger only with read access to one of them)"
            )
        try:
            specs.append(LedgerSpec.build(entry))
        except LedgerSpecError as invalid:
            raise LedgerSpecError(f"[snowplow] ledgers entry {number}: {invalid}") from None
    return specs
