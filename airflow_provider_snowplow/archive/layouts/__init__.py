"""Run layouts: the shapes Snowplow components give their output on S3, and how to read each.

=====================  ====================================================  ==========================
layout                 a run is                                              ready when
=====================  ====================================================  ==========================
``enriched-archive``   a ``run=YYYY-MM-DD-HH-MM-SS/`` folder (EmrEtlRunner)  marker + quiet period
``transformer-output`` a ``run=.../`` folder of RDB Loader's transformer     ``shredding_complete.json``
``s3-loader``          an hour or day partition of S3 Loader (or flat hours)  window closed + grace
=====================  ====================================================  ==========================

:func:`make_layout` builds one from a name and options, as the hook, operators, sensor and CLI
receive them; :data:`LAYOUT_NAMES` lists the names.

One module per layout says all of it, what a run is and when it is ready:
:mod:`.enriched_archive`, :mod:`.transformer_output` (with its seal), :mod:`.s3_loader`; beside
them, :mod:`.readiness`, the shared rule of the folder layouts (a marker and a quiet period), and
:mod:`.base`, what every layout answers.
"""

from __future__ import annotations

import re

from airflow_provider_snowplow.archive.layouts.base import Layout, WindowLayout
from airflow_provider_snowplow.archive.layouts.enriched_archive import EnrichedArchive
from airflow_provider_snowplow.archive.layouts.readiness import ReadinessRule
from airflow_provider_snowplow.archive.layouts.s3_loader import (
    DEFAULT_GRACE_SECONDS,
    PartitionFormat,
    S3LoaderLayout,
    check_filename_prefix,
)
from airflow_provider_snowplow.archive.layouts.transformer_output import SEAL, TransformerOutput
from airflow_provider_snowplow.archive.urls import S3Url
from airflow_provider_snowplow.errors import LayoutError

__all__ = [
    "DEFAULT_GRACE_SECONDS",
    "DEFAULT_LAYOUT",
    "LAYOUT_NAMES",
    "SEAL",
    "EnrichedArchive",
    "Layout",
    "PartitionFormat",
    "S3LoaderLayout",
    "TransformerOutput",
    "WindowLayout",
    "check_filename_prefix",
    "check_layout_name",
    "layout_of",
    "make_layout",
    "no_runs_error",
]

DEFAULT_LAYOUT = EnrichedArchive.name
_LOADER_NAME = re.compile(r".*\d{4}-\d{2}-\d{2}-\d{6}-[^/]*\.gz")
LAYOUT_NAMES = (EnrichedArchive.name, TransformerOutput.name, S3LoaderLayout.name)


def check_layout_name(value: object) -> str:
    """A layout name, one of :data:`LAYOUT_NAMES`.

    Raises:
        LayoutError: naming the known layouts.
    """
    if value not in LAYOUT_NAMES:
        raise LayoutError(f"layout must be one of {', '.join(LAYOUT_NAMES)}, got {value!r}")
    return str(value)


def make_layout(
    name: str = DEFAULT_LAYOUT,
    readiness: ReadinessRule | None = None,
    partition_format: str | None = None,
    grace_seconds: float = DEFAULT_GRACE_SECONDS,
    filename_prefix: str = "",
) -> Layout:
    """The layout ``name`` with its options; options another layout takes are ignored.

    Args:
        name: one of :data:`LAYOUT_NAMES`.
        readiness: the folder layouts' rule (marker, quiet period); each layout's default if None.
            The enriched archive's defaults (``_SUCCESS``, 900 s), which every task and command
            starts from, also stand for the layout's default: ``transformer-output`` then waits
            for its seal.
        partition_format: ``s3-loader``: S3 Loader's ``partitionFormat``; None for flat output.
        grace_seconds: ``s3-loader``: seconds after a window ends before its run is ready.
        filename_prefix: ``s3-loader``, flat: the loader's ``filenamePrefix``.

    Raises:
        LayoutError: an unknown name, or options that cannot work.
    """
    name = check_layout_name(name)
    if name == TransformerOutput.name:
        return TransformerOutput(None if readiness == ReadinessRule() else readiness)
    if name == S3LoaderLayout.name:
        return S3LoaderLayout(partition_format or None, grace_seconds, filename_prefix)
    return EnrichedArchive(readiness)


def layout_of(keys: list[str]) -> str | None:
    """The name of a layout whose runs show among these object keys or folder prefixes, if one does.

    Folder layouts are recognised by any of the keys' folders; ``s3-loader`` by S3 Loader's object
    names (``<filenamePrefix>yyyy-MM-dd-HHmmss-<uuid>.gz``), whatever its partition format.
    """
    folders = {key[: i + 1] for key in keys for i, ch in enumerate(key) if ch == "/"}
    for layout in (EnrichedArchive(), TransformerOutput()):
        if layout.sort(folders):
            return layout.name
    if any(_LOADER_NAME.fullmatch(key.rpartition("/")[2]) for key in keys):
        return S3LoaderLayout.name
    return None


def no_runs_error(layout: Layout, archive: S3Url, seen: list[str]) -> LayoutError:
    """The one-line error for a prefix whose objects (``seen``) hold no run of ``layout``.

    It says what to set: the layout's own hint (a partition format, a filename prefix, the archive
    URL one level down) first, else the other layout the objects look like.
    """
    other = layout_of(seen)
    hint = ""
    if own := layout.settings_hint(archive, seen):
        hint = f"; {own}"
    elif other == layout.name:
        hint = (
            f"; its objects look like {other} output with other options (partition format, filename prefix)"
        )
    elif other:
        hint = f"; it looks like {other} output: set the layout to {other!r}"
    return LayoutError(
        f"{archive} holds objects but no run of the {layout.name} layout (run ids look like "
        f"{layout.example!r}){hint}"
    )
