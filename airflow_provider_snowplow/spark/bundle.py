"""The Spark job, packed for ``spark-submit --py-files``: our modules in a zip, its script beside it.

    python -m airflow_provider_snowplow.spark.bundle OUT_DIR

writes ``OUT_DIR/snowplow_spark_job.zip`` (the modules of this package that the job imports),
``OUT_DIR/spark_submit.py`` (the entry script, ``spark-submit``'s application) and
``OUT_DIR/requirements.txt`` (what the job's Python needs besides pyspark), and prints how to use them.

Why a zip and not ``pip install`` of the package on the cluster: the package's dependencies are
Airflow's side (Airflow, its providers); the job needs none of them, only pyspark, ``orjson`` and
``boto3``. Installing the package with its dependencies puts Airflow on every Spark node, and
installing it with ``--no-deps`` leaves ``pip check`` failing there. With the zip, the job's
environment is ``pyspark`` (the cluster's own, or ``pip install pyspark==<the cluster's Spark>``)
plus ``requirements.txt``: ``pip check`` is clean and no file is installed twice. Spark ships
``--py-files`` to the driver and every executor and puts it on ``sys.path`` (zipimport).

What goes in is found, not listed: every module reachable by ``import`` statements from the entry
script and :mod:`.spark_job` (lazy imports inside functions too; ``if TYPE_CHECKING:`` blocks are
not run, so not followed), with the ``__init__`` of each package on the way. Those are core modules
(import-linter's contract: the core never imports Airflow), and the build checks it again: every
third-party module they import must be one the job's environment is told to have, or it refuses.
The zip is reproducible (sorted entries, fixed times): the same package gives the same bytes, so
an upload to S3 can be skipped when nothing changed.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from airflow_provider_snowplow.errors import SnowplowProviderError

ZIP_NAME = "snowplow_spark_job.zip"
SCRIPT_NAME = "spark_submit.py"
REQUIREMENTS_NAME = "requirements.txt"
DISTRIBUTION = "airflow-provider-snowplow"
ROOT_PACKAGE = "airflow_provider_snowplow"
ENTRY_MODULES = (f"{ROOT_PACKAGE}.spark.submit", f"{ROOT_PACKAGE}.spark.job")
# pyspark 4 is what the job is tested on (tests/spark, and the floor lock's 4.0).
PYSPARK_FLOOR = "4.0"
# Every third-party module the job's modules may import, and the distribution that provides it.
# "pyspark" comes with the cluster (py4j with it); None: imported only on paths the job never takes.
_PROVIDERS: dict[str, str | None] = {
    "pyspark": "pyspark",
    "py4j": "pyspark",
    "boto3": "boto3",
    "botocore": "boto3",
    "orjson": "orjson",
    # Optional: faster gzip; the stdlib's gzip takes over where it is not installed.
    "isal": "isal",
    # The worker path's zstd output (processing.codecs); the job writes gzip only.
    "zstandard": None,
}
# A fixed time for every zip entry (zip's epoch): the same sources always give the same zip.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class JobBundleError(SnowplowProviderError):
    """The job cannot be bundled: a module is missing, or it imports something the bundle cannot vouch for."""


@dataclass(frozen=True)
class JobBundle:
    """A built bundle: the files written, what the zip holds, and what the job's Python needs.

    Attributes:
        zip_path: ``snowplow_spark_job.zip``: ``--py-files`` (``spark.submit.pyFiles``).
        script_path: ``spark_submit.py``: ``spark-submit``'s application (EMR's ``entryPoint``).
        requirements_path: ``requirements.txt``: ``requirements`` as a pip requirements file.
        modules: the dotted names of the modules in the zip, sorted.
        requirements: what the job's Python needs besides pyspark (our own pins and markers).
        version: this package's version, the bundle's.
    """

    zip_path: Path
    script_path: Path
    requirements_path: Path
    modules: tuple[str, ...]
    requirements: tuple[str, ...]
    version: str


def package_dir() -> Path:
    """The directory of the installed ``airflow_provider_snowplow`` (the source of the zip)."""
    return Path(__file__).resolve().parent.parent


def _source(module: str) -> Path | None:
    """The source file of one of our modules (a package's ``__init__.py``), or None if there is none."""
    base = package_dir().joinpath(*module.split(".")[1:])
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported_names(tree: ast.AST, module: str, is_package: bool) -> Iterable[str]:
    """Every dotted name ``module`` imports at run time: ``import a.b``, ``from a import b`` (a, a.b)."""
    package = module if is_package else module.rpartition(".")[0]
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            todo.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            yield base
            # `from package import name`: name may be a submodule.
            yield from (f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
        todo.extend(ast.iter_child_nodes(node))


def job_modules() -> tuple[dict[str, Path], set[str]]:
    """The job's modules of this package (dotted name -> source) and the third-party modules they import.

    Raises:
        JobBundleError: an entry module's source is not there (an install without sources).
    """
    found: dict[str, Path] = {}
    third_party: set[str] = set()
    todo = list(ENTRY_MODULES)
    while todo:
        name = todo.pop()
        if name in found:
            continue
        source = _source(name)
        if source is None:
            if name in ENTRY_MODULES:
                raise JobBundleError(
                    f"cannot bundle the Spark job: {name} has no source file under {package_dir()}"
                )
            continue  # `from package import name` of a name that is not a module
        found[name] = source
        parts = name.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))  # the packages on the way
        tree = ast.parse(source.read_bytes(), str(source))
        for imported in _imported_names(tree, name, source.name == "__init__.py"):
            top = imported.split(".")[0]
            if top == ROOT_PACKAGE:
                todo.append(imported)
            elif top and top not in sys.stdlib_module_names:
                third_party.add(top)
    return found, third_party


def job_requirements() -> tuple[str, ...]:
    """Our own requirements of the distributions the job imports (boto3, orjson, isal), pins and markers kept.

    Raises:
        JobBundleError: the package's metadata is not installed (a source tree on ``sys.path``).
    """
    try:
        declared = importlib.metadata.requires(DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        raise JobBundleError(
            f"cannot bundle the Spark job: {DISTRIBUTION} is not installed (pip install it, or `pip install -e .`)"
        ) from None
    wanted = {name for name in _PROVIDERS.values() if name not in (None, "pyspark")}
    requirements = []
    for requirement in declared:
        match = re.match(r"[A-Za-z0-9._-]+", requirement)
        if match and match.group(0).lower() in wanted and "extra ==" not in requirement:
            requirements.append(requirement)
    return tuple(sorted(requirements))


def write_zip(path: Path, modules: dict[str, Path]) -> None:
    """The modules as a zip of sources, entries sorted and stamped with a fixed time."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for source in sorted(modules.values()):
            entry = zipfile.ZipInfo(source.relative_to(package_dir().parent).as_posix(), date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            bundle.writestr(entry, source.read_bytes())


def build_bundle(out_dir: Path | str) -> JobBundle:
    """Write the zip, the entry script and ``requirements.txt`` into ``out_dir`` (created if missing).

    Raises:
        JobBundleError: the job imports a third-party module not accounted for, or cannot be found.
    """
    modules, third_party = job_modules()
    unknown = sorted(third_party - _PROVIDERS.keys())
    if unknown:
        raise JobBundleError(
            f"cannot bundle the Spark job: it imports {', '.join(unknown)}, which its environment is not "
            "told to install (spark/bundle.py lists what it may import)"
        )
    requirements = job_requirements()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    zip_path, script_path, requirements_path = out / ZIP_NAME, out / SCRIPT_NAME, out / REQUIREMENTS_NAME
    write_zip(zip_path, modules)
    script_path.write_bytes(modules[ENTRY_MODULES[0]].read_bytes())
    requirements_path.write_text(
        f"# The Spark job of {DISTRIBUTION} {importlib.metadata.version(DISTRIBUTION)} needs these "
        f"besides pyspark>={PYSPARK_FLOOR} (the cluster's own).\n" + "".join(f"{r}\n" for r in requirements)
    )
    return JobBundle(
        zip_path=zip_path,
        script_path=script_path,
        requirements_path=requirements_path,
        modules=tuple(sorted(modules)),
        requirements=requirements,
        version=importlib.metadata.version(DISTRIBUTION),
    )


def describe(bundle: JobBundle) -> str:
    """What to do with a bundle: the files, the job environment's requirements, a ``spark-submit`` line."""
    requirements = "\n".join(f"  {r}" for r in bundle.requirements)
    return (
        f"wrote {bundle.zip_path} ({len(bundle.modules)} modules of {DISTRIBUTION} {bundle.version}), "
        f"{bundle.script_path} and {bundle.requirements_path}\n"
        f"The job's Python needs pyspark of the cluster's Spark ({PYSPARK_FLOOR} or later: EMR's images "
        "have it; elsewhere pip install pyspark==<that version>) and, from requirements.txt"
        " (isal is optional: faster gzip):\n"
        f"{requirements}\n"
        "Airflow and this package are not needed there. Submit with:\n"
        f"  spark-submit --py-files {bundle.zip_path} {bundle.script_path} --archive-url ... --run-id ... "
        "--output-url ...\n"
        f"  (EMR Serverless: entryPoint s3://.../{SCRIPT_NAME}, --conf spark.submit.pyFiles=s3://.../{ZIP_NAME})"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m airflow_provider_snowplow.spark.bundle OUT_DIR``: build, then print how to use it."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0].startswith("-"):
        print(f"usage: python -m {ROOT_PACKAGE}.spark.bundle OUT_DIR", file=sys.stderr)
        return 2
    try:
        bundle = build_bundle(args[0])
    except (SnowplowProviderError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(describe(bundle))
    return 0


if __name__ == "__main__":
    sys.exit(main())
