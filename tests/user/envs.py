"""The user lane's environments: the wheel of this checkout, installed as the README tells users to.

A user runs ``pip install ./airflow-provider-snowplow`` (or ``"...[local]"``) into a clean Python:
nothing of the development environment is there (no test extra, no moto unless ``[local]``, no
pytest, no tools). The lane builds the wheel once a session (``uv build --wheel``) and installs it
into fresh virtual environments outside the repository, in pytest's temporary directory (``uv venv``
and ``uv pip install "<wheel>[extras]"``), with only the extras the README names; an environment
without the wheel (the Spark job's: pyspark and its bundle's requirements) is made the same way
(:meth:`Lane.venv`). Versions are those of ``.ci/lock/dev.txt``, given as constraints (its hashes
stripped), so the lane is reproducible and installs from the uv cache that ``./dev setup`` filled
(offline first, the index only for what the cache lacks).

Every lane test of a session shares these environments: pytest-xdist's workers share the parent of
their temporary directories, and a file lock there makes each environment, and each migrated
Airflow metadata DB, be created once.
"""

from __future__ import annotations

import csv
import email.parser
import fcntl
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEV_LOCK = REPO / ".ci" / "lock" / "dev.txt"
# Installing from a warm cache takes seconds; a cold one downloads Airflow and its dependencies.
INSTALL_TIMEOUT = 900
# The variables a user's shell passes on; everything else (AIRFLOW_*, AWS_*, SNOWPLOW_*, VIRTUAL_ENV,
# PYTHONPATH of the test process) is left out, and each command sets what it needs.
_PASSED_ON = ("HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "USER", "LOGNAME")


class LaneSetupError(RuntimeError):
    """The lane could not build the wheel or an environment; the message says what failed."""


def find_uv() -> list[str]:
    """The uv command, found as ``./dev``'s ``uv_cmd`` finds it.

    ``$SNOWPLOW_UV`` (the path ``./dev test`` exports), else ``uv`` on PATH, else ``python3 -m uv``,
    else ``.venv-uv/bin/uv`` (where ``./dev setup`` installs it when neither is there).

    Raises:
        LaneSetupError: none of them: run ``./dev setup``.
    """
    exported = os.environ.get("SNOWPLOW_UV")
    if exported:
        return [exported]
    on_path = shutil.which("uv")
    if on_path:
        return [on_path]
    python = os.environ.get("PYTHON", "python3")
    if subprocess.run([python, "-m", "uv", "--version"], capture_output=True, check=False).returncode == 0:
        return [python, "-m", "uv"]
    installed = REPO / ".venv-uv" / "bin" / "uv"
    if installed.is_file():
        return [str(installed)]
    raise LaneSetupError("the user lane needs uv, and there is none: run ./dev setup (it installs uv)")


def lock_constraints(lock_text: str) -> str:
    """The pins of a hash-checked lock file as a constraints file: ``name==version[ ; marker]`` a line.

    Hashes, ``# via`` comments and option lines are dropped: the lane installs a wheel that is in no
    lock, which ``--require-hashes`` would refuse.
    """
    pins = []
    for line in lock_text.splitlines():
        if not line.strip() or line[0] in " \t#-":
            continue
        pins.append(line.removesuffix("\\").strip())
    return "\n".join(pins) + "\n"


def lock_pins(lock_text: str) -> dict[str, str]:
    """The versions a lock file pins, by normalised distribution name (``pyspark-client``...)."""
    pins = {}
    for pin in lock_constraints(lock_text).splitlines():
        name, _, version = pin.partition(";")[0].partition("==")
        pins[normalise(name)] = version.strip()
    return pins


def normalise(name: str) -> str:
    """A distribution's name as the packaging standards compare them (``Foo_bar.baz`` -> ``foo-bar-baz``)."""
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing) across processes."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_checked(command: Sequence[str], what: str, timeout: float = INSTALL_TIMEOUT) -> str:
    """Run a setup command; its stdout, or :class:`LaneSetupError` with its output.

    Raises:
        LaneSetupError: the command failed.
    """
    done = subprocess.run(
        list(command),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise LaneSetupError(
            f"{what} failed (exit {done.returncode}): {' '.join(command)}\n{done.stdout}\n{done.stderr}"
        )
    return str(done.stdout)


@dataclass(frozen=True)
class UserEnv:
    """A virtual environment with the package installed from its wheel, as a user's.

    Attributes:
        name: what the lane calls it (``plain``, ``local``...).
        root: the environment's directory.
    """

    name: str
    root: Path

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"

    @property
    def site_packages(self) -> Path:
        (found,) = self.root.glob("lib/python3.*/site-packages")
        return found

    def distributions(self) -> dict[str, str]:
        """The installed distributions' versions, by normalised name."""
        return {
            normalise(dist.metadata["Name"]): dist.version
            for dist in importlib.metadata.distributions(path=[str(self.site_packages)])
        }

    def environ(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """A user's shell with this environment activated: its ``bin`` first on PATH, nothing else of ours.

        The repository's own environments (``.venv``...) are taken off PATH, so that no command
        finds the development environment's ``airflow`` or ``python``.
        """
        path = [str(self.bin)] + [
            entry
            for entry in os.environ.get("PATH", os.defpath).split(os.pathsep)
            if entry and not Path(entry).resolve().is_relative_to(REPO)
        ]
        env = {name: os.environ[name] for name in _PASSED_ON if name in os.environ}
        env.update({"PATH": os.pathsep.join(path), "VIRTUAL_ENV": str(self.root), "PYTHONUNBUFFERED": "1"})
        env.update(extra or {})
        return env

    def run(
        self,
        command: Sequence[str | Path],
        cwd: Path,
        env: Mapping[str, str] | None = None,
        timeout: float = 300,
        stdin: str = "",
    ) -> subprocess.CompletedProcess[str]:
        """Run ``command`` in this environment (a program of its ``bin`` by name), never checked.

        ``cwd`` must be outside the repository: ``python -c`` and ``-m`` put the working directory
        first on ``sys.path``, where the checkout's package would shadow the installed one.
        """
        program, *args = (str(part) for part in command)
        if "/" not in program:
            program = str(self.bin / program)
        return subprocess.run(
            [program, *args],
            cwd=cwd,
            env=self.environ(env),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


@dataclass(frozen=True)
class Ownership:
    """Which installed distribution's RECORD lists each file of an environment.

    Attributes:
        owners: every listed file (relative to the environment's root, e.g. ``bin/airflow``) and
            the distributions (``name version``) that list it.
        unrecorded: distributions without a RECORD, whose files nobody can tell.
    """

    owners: dict[str, list[str]] = field(default_factory=dict)
    unrecorded: list[str] = field(default_factory=list)

    @property
    def collisions(self) -> dict[str, list[str]]:
        """The files that more than one distribution lists: installing one overwrote the other's."""
        return {path: sorted(dists) for path, dists in sorted(self.owners.items()) if len(dists) > 1}

    def describe_collisions(self, limit: int = 20) -> str:
        """The collisions, one a line (at most ``limit``), for an assertion message."""
        lines = [f"{path}: {', '.join(dists)}" for path, dists in self.collisions.items()]
        more = [f"... and {len(lines) - limit} more"] if len(lines) > limit else []
        return "\n".join(lines[:limit] + more)


def file_ownership(env: UserEnv) -> Ownership:
    """Read every installed distribution's RECORD in ``env`` and map each file to its owners.

    Each ``*.dist-info`` folder's METADATA names the distribution and its RECORD (a CSV, a file a
    row) lists what it installed. Paths are normalised (RECORD lists scripts as
    ``../../../bin/airflow``), so two distributions installing the same file under different
    spellings still collide. The files are read directly rather than through ``importlib.metadata``,
    whose path caches belong to the process running the tests, not to ``env``.
    """
    ownership = Ownership()
    site_packages = env.site_packages
    for info in sorted(site_packages.glob("*.dist-info")):
        metadata = email.parser.Parser().parsestr((info / "METADATA").read_text(errors="replace"))
        name = f"{metadata['Name']} {metadata['Version']}"
        record = info / "RECORD"
        if not record.is_file():
            ownership.unrecorded.append(name)
            continue
        for row in csv.reader(record.read_text().splitlines()):
            if row:
                path = os.path.relpath(os.path.normpath(site_packages / row[0]), env.root)
                ownership.owners.setdefault(path, []).append(name)
    return ownership


@dataclass
class Lane:
    """The session's wheel and environments, made once in ``root`` (shared by xdist's workers).

    Attributes:
        root: a directory outside the repository, the same for every worker of the session.
        uv: the uv command (:func:`find_uv`).
    """

    root: Path
    uv: list[str]

    def _lock(self, name: str) -> Path:
        return self.root / f"{name}.lock"

    def constraints(self) -> Path:
        """``.ci/lock/dev.txt``'s pins without hashes (written once)."""
        path = self.root / "constraints.txt"
        with file_lock(self._lock("constraints")):
            if not path.is_file():
                path.write_text(lock_constraints(DEV_LOCK.read_text()))
        return path

    def wheel(self) -> Path:
        """The package's wheel, built from the checkout (once a session)."""
        out = self.root / "dist"
        with file_lock(self._lock("wheel")):
            built = sorted(out.glob("airflow_provider_snowplow-*.whl"))
            if not built:
                self.uv_cached(["build", "--wheel", "--out-dir", str(out), str(REPO)], "building the wheel")
                built = sorted(out.glob("airflow_provider_snowplow-*.whl"))
            if len(built) != 1:
                raise LaneSetupError(f"expected one wheel in {out}, found {[p.name for p in built]}")
        return built[0]

    def env(self, name: str, extras: Sequence[str] = (), uninstall: Sequence[str] = ()) -> UserEnv:
        """The environment ``name``: the wheel with ``extras``, then ``uninstall`` removed (once a session)."""
        wheel = self.wheel()
        return self.venv(name, [f"{wheel}[{','.join(extras)}]" if extras else str(wheel)], uninstall)

    def venv(self, name: str, requirements: Sequence[str], uninstall: Sequence[str] = ()) -> UserEnv:
        """The environment ``name`` of ``requirements`` (``uv pip install`` arguments), once a session.

        The interpreter is the one under the test process's environment, a plain CPython; versions
        are the dev lock's (:meth:`constraints`); ``uninstall`` is removed after the install.

        Raises:
            LaneSetupError: uv failed; the message has its output.
        """
        env = UserEnv(name, self.root / "envs" / name)
        done = env.root / ".lane-complete"
        constraints = self.constraints()
        with file_lock(self._lock(f"env-{name}")):
            if not done.is_file():
                shutil.rmtree(env.root, ignore_errors=True)
                python = getattr(sys, "_base_executable", sys.executable)
                run_checked(
                    [*self.uv, "venv", "--quiet", "--python", python, str(env.root)], f"creating {name}"
                )
                self.uv_cached(
                    ["pip", "install", "--quiet", "--python", str(env.python),
                     "--constraints", str(constraints), *requirements],
                    f"installing {' '.join(requirements)} into {name}",
                )  # fmt: skip
                if uninstall:
                    run_checked(
                        [*self.uv, "pip", "uninstall", "--quiet", "--python", str(env.python), *uninstall],
                        f"uninstalling {', '.join(uninstall)} from {name}",
                    )
                done.write_text(" ".join(requirements) + "\n")
        return env

    def uv_cached(self, arguments: Sequence[str], what: str) -> str:
        """A uv command from uv's cache alone if it can (``./dev setup`` filled it), else from the index.

        Offline first because an index's answers can look modified to uv at every request (pyspark is
        an sdist: uv would download and build it again, a minute each time).

        Raises:
            LaneSetupError: it failed online too.
        """
        offline = subprocess.run(
            [*self.uv, *arguments, "--offline"],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
        if offline.returncode == 0:
            return str(offline.stdout)
        return run_checked([*self.uv, *arguments], what)

    def pip_check(self, env: UserEnv) -> subprocess.CompletedProcess[str]:
        """``uv pip check`` of ``env``: every installed distribution's requirements are met."""
        return subprocess.run(
            [*self.uv, "pip", "check", "--python", str(env.python)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def airflow_db(self, env: UserEnv) -> Path:
        """A metadata DB (SQLite) migrated by ``env``'s ``airflow db migrate`` (once a session).

        Homes copy it (:meth:`home`): a user runs the migration once, and each test gets its own DB.
        """
        template = self.root / "airflow-db" / env.name / "airflow.db"
        with file_lock(self._lock(f"db-{env.name}")):
            if not template.is_file():
                home = template.parent
                shutil.rmtree(home, ignore_errors=True)
                home.mkdir(parents=True)
                done = env.run(
                    ["airflow", "db", "migrate"],
                    cwd=home,
                    env=airflow_settings(home),
                    timeout=INSTALL_TIMEOUT,
                )
                if done.returncode != 0:
                    raise LaneSetupError(
                        f"`airflow db migrate` in {env.name} failed (exit {done.returncode}):\n"
                        f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
                    )
        return template

    def home(self, env: UserEnv, path: Path, db_of: UserEnv | None = None) -> Path:
        """A private AIRFLOW_HOME at ``path`` with a copy of the migrated DB (of ``db_of``, default ``env``)."""
        path.mkdir(parents=True, exist_ok=True)
        (path / "dags").mkdir(exist_ok=True)
        shutil.copyfile(self.airflow_db(db_of or env), path / "airflow.db")
        return path


def airflow_settings(home: Path) -> dict[str, str]:
    """Airflow's settings for a user's local tests: a private home, SQLite, no example DAGs."""
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
    }
