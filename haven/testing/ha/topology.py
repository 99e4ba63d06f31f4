"""Haven's high-availability deployment (deploy/ha/) on one machine, on loopback ports.

Three etcd members, two PostgreSQL 15 nodes under Patroni (synchronous replication), two gunicorn
app nodes, two `haven worker` processes and nginx in front of the app nodes, all from Debian's and
PyPI's packages, rendered from the templates in deploy/ha/. Each "machine" can be killed with
SIGKILL (every process of it at once) and started again. PostgreSQL refuses to run as root: as
root, Patroni (and so PostgreSQL) runs as the `postgres` system user, as in production.
"""

from __future__ import annotations

import functools
import http.client
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy" / "ha"
PG_BIN = Path(os.environ.get("HAVEN_PG_BIN", "/usr/lib/postgresql/15/bin"))
SCOPE = "haven-drill"
# The timings the template recommends (docs/operations.md): failover within ~ttl + loop_wait.
TTL, LOOP_WAIT, RETRY_TIMEOUT = 15, 3, 5


def missing_binaries() -> list[str]:
    """What the drill needs and this machine lacks (Debian: patroni, etcd-server, postgresql-15,
    nginx)."""
    missing = [name for name in ("patroni", "etcd") if shutil.which(name) is None]
    if not (PG_BIN / "postgres").exists():
        missing.append("postgresql-15")
    if shutil.which("nginx", path=os.environ.get("PATH", "") + ":/usr/sbin") is None:
        missing.append("nginx")
    return missing


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(port: int, path: str, timeout: float = 2.0) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def wait_for(
    what: str, check: Callable[[], object], timeout: float, interval: float = 0.2
) -> float:
    """Poll `check` until it is true; the seconds it took."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        try:
            if check():
                return time.monotonic() - began
        except (OSError, http.client.HTTPException, ValueError):
            pass
        time.sleep(interval)
    raise RuntimeError(f"{what}: not ready after {timeout:.0f} s")


def render(template: str, **values: object) -> str:
    return string.Template((DEPLOY / template).read_text(encoding="utf-8")).substitute(
        {k: str(v) for k, v in values.items()}
    )


def _etcd_healthy(port: int) -> bool:
    return '"true"' in get(port, "/health")[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return found


def _kill(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@dataclass
class Process:
    """One long-running program in its own process group (SIGKILL to the group ends it all)."""

    name: str
    argv: list[str]
    log: Path
    env: dict[str, str] | None = None
    cwd: Path | None = None
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(30)

    def stop(self) -> None:
        if not self.alive():
            return
        assert self.proc is not None
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            self.kill()


@dataclass
class PgNode:
    name: str
    folder: Path
    pg_port: int
    api_port: int
    process: Process
    data_dir: Path = field(init=False)

    def __post_init__(self) -> None:
        self.data_dir = self.folder / "data"

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def kill(self) -> None:
        """The machine is lost: Patroni, the postmaster and every backend at once."""
        pids: list[int] = []
        postmaster = self.postmaster_pid()
        if postmaster is not None:
            pids = [postmaster, *_children(postmaster)]
        _kill(pids)
        self.process.kill()
        _kill([p for p in pids[1:] if Path(f"/proc/{p}").exists()])

    def leading(self) -> bool:
        return self.role() in ("master", "primary")

    def role(self) -> str:
        status, body = get(self.api_port, "/patroni")
        return str(json.loads(body).get("role", "")) if status in (200, 503) else ""


class Topology:
    """Start with `up()`, stop with `down()`; see the module docstring."""

    def __init__(self, root: Path | None = None, app_workers: int = 2) -> None:
        self.root = root or Path(tempfile.mkdtemp(prefix="haven-ha-"))
        self.as_root = os.geteuid() == 0
        self.app_workers = app_workers
        self.superuser_password = secrets.token_urlsafe(18)
        self.haven_password = secrets.token_urlsafe(18)
        self.etcd: list[Process] = []
        self.pg: list[PgNode] = []
        self.apps: list[Process] = []
        self.app_ports: list[int] = []
        self.workers: list[Process] = []
        self.nginx: Process | None = None
        self.nginx_port = 0
        self.env: dict[str, str] = {}
        # The postgres user must reach its own folders inside (and nothing else: each is 0700).
        self.root.chmod(0o711)
        (self.root / "logs").mkdir(parents=True, exist_ok=True)
        (self.root / "logs").chmod(0o711)

    # --- etcd ---------------------------------------------------------------------------------

    def start_etcd(self, members: int = 3) -> None:
        ports = [(free_port(), free_port()) for _ in range(members)]
        initial = ",".join(f"e{i}=http://127.0.0.1:{peer}" for i, (_c, peer) in enumerate(ports))
        for i, (client, peer) in enumerate(ports):
            folder = self.root / f"etcd{i}"
            folder.mkdir()
            config = folder / "etcd.conf.yml"
            config.write_text(
                render(
                    "etcd.conf.yml.in",
                    name=f"e{i}",
                    data_dir=folder / "data",
                    client_url=f"http://127.0.0.1:{client}",
                    peer_url=f"http://127.0.0.1:{peer}",
                    initial_cluster=initial,
                    scope=SCOPE,
                )
            )
            process = Process(
                f"etcd{i}",
                ["etcd", "--config-file", str(config)],
                self.root / "logs" / f"etcd{i}.log",
            )
            process.start()
            self.etcd.append(process)
        self.etcd_hosts = ",".join(f"127.0.0.1:{client}" for client, _p in ports)
        for client, _p in ports:
            wait_for("etcd", functools.partial(_etcd_healthy, client), 60)

    # --- PostgreSQL under Patroni ------------------------------------------------------------

    def _owned(self, path: Path) -> None:
        if self.as_root:
            pw = pwd.getpwnam("postgres")
            os.chown(path, pw.pw_uid, pw.pw_gid)

    def start_pg_nodes(self) -> None:
        replication_password = secrets.token_urlsafe(18)
        for i in range(2):
            folder = self.root / f"pg{i}"
            folder.mkdir(mode=0o700)
            sockets = folder / "sock"
            sockets.mkdir()
            pg_port, api_port = free_port(), free_port()
            config = folder / "patroni.yml"
            config.write_text(
                render(
                    "patroni.yml.in",
                    scope=SCOPE,
                    name=f"pg{i}",
                    restapi_listen=f"127.0.0.1:{api_port}",
                    restapi_connect=f"127.0.0.1:{api_port}",
                    etcd_hosts=self.etcd_hosts,
                    ttl=TTL,
                    loop_wait=LOOP_WAIT,
                    retry_timeout=RETRY_TIMEOUT,
                    pg_listen=f"127.0.0.1:{pg_port}",
                    pg_connect=f"127.0.0.1:{pg_port}",
                    data_dir=folder / "data",
                    pgpass=folder / "pgpass",
                    superuser_password=self.superuser_password,
                    replication_password=replication_password,
                    socket_dir=sockets,
                    peer_network="127.0.0.1/32",
                    app_network="127.0.0.1/32",
                )
            )
            config.chmod(0o600)
            for path in (folder, sockets, config):
                self._owned(path)
            argv = ["patroni", str(config)]
            if self.as_root:
                argv = ["runuser", "-u", "postgres", "--", *argv]
            log = self.root / "logs" / f"pg{i}.log"
            log.touch()
            self._owned(log)
            node = PgNode(f"pg{i}", folder, pg_port, api_port, Process(f"pg{i}", argv, log))
            self.pg.append(node)
            node.process.start()
            if i == 0:  # the first one bootstraps the cluster; the second one clones it
                wait_for("the first PostgreSQL node", node.leading, 120)
        self.wait_replicated(180)

    def cluster(self) -> list[dict[str, object]]:
        for node in self.pg:
            try:
                status, body = get(node.api_port, "/cluster")
                if status == 200:
                    return list(json.loads(body).get("members", []))
            except (OSError, http.client.HTTPException, ValueError):
                continue
        return []

    def leader(self) -> PgNode | None:
        for member in self.cluster():
            if member.get("role") == "leader" and member.get("state") == "running":
                return next((n for n in self.pg if n.name == member.get("name")), None)
        return None

    def replicated(self, standby: str = "") -> bool:
        """A running leader and a running synchronous standby (`standby`, when named): the pair
        is whole again."""
        members = self.cluster()
        return any(
            m.get("role") == "leader" and m.get("state") == "running" for m in members
        ) and any(
            m.get("role") == "sync_standby"
            and m.get("state") in ("running", "streaming")
            and (not standby or m.get("name") == standby)
            for m in members
        )

    def wait_replicated(self, timeout: float, standby: str = "") -> float:
        return wait_for(
            "the synchronous standby",
            functools.partial(self.replicated, standby),
            timeout,
            interval=0.5,
        )

    def wait_new_leader(self, former: PgNode, timeout: float) -> float:
        """Until a node other than `former` leads (its leader key expired, the standby promoted)."""

        def promoted() -> bool:
            leader = self.leader()
            return leader is not None and leader is not former

        return wait_for("a new leader", promoted, timeout)

    def database_url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{n.pg_port}" for n in self.pg)
        return (
            f"postgres://haven:{self.haven_password}@{hosts}/haven?target_session_attrs=read-write"
            "&connect_timeout=3&keepalives_idle=5&keepalives_interval=2&keepalives_count=3"
        )

    def create_database(self) -> None:
        import psycopg

        leader = self.leader()
        assert leader is not None
        with psycopg.connect(
            host="127.0.0.1",
            port=leader.pg_port,
            user="postgres",
            password=self.superuser_password,
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(
                psycopg.sql.SQL("CREATE ROLE haven LOGIN PASSWORD {}").format(
                    psycopg.sql.Literal(self.haven_password)
                )
            )
            conn.execute("CREATE DATABASE haven OWNER haven")

    def restart_pg(self, node: PgNode) -> None:
        node.process.start()

    # --- the app ------------------------------------------------------------------------------

    def app_env(self, extra: dict[str, str]) -> dict[str, str]:
        self.env = {**os.environ, **extra, "DATABASE_URL": self.database_url()}
        return self.env

    def _gunicorn(self, i: int, port: int) -> Process:
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "haven.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
        ]
        argv += ["-k", "gthread", "-w", str(self.app_workers), "--threads", "8"]
        argv += ["--log-level", "warning"]
        return Process(f"app{i}", argv, self.root / "logs" / f"app{i}.log", self.env, ROOT)

    def start_apps(self) -> None:
        for i in range(2):
            port = free_port()
            self.app_ports.append(port)
            self.apps.append(self._gunicorn(i, port))
            self.apps[i].start()
        for i in range(2):
            self.wait_app(i, 120)

    def wait_app(self, i: int, timeout: float) -> float:
        return wait_for(f"app node {i}", lambda: get(self.app_ports[i], "/")[0] == 200, timeout)

    def start_workers(self) -> None:
        for i in range(2):
            argv = [sys.executable, "manage.py", "worker"]
            process = Process(
                f"worker{i}", argv, self.root / "logs" / f"worker{i}.log", self.env, ROOT
            )
            process.start()
            self.workers.append(process)

    def start_nginx(self) -> None:
        folder = self.root / "nginx"
        folder.mkdir()
        self.nginx_port = free_port()
        upstream = (DEPLOY / "nginx-upstream.conf").read_text(encoding="utf-8")
        for i, old in enumerate(("10.0.0.11:8000", "10.0.0.12:8000")):
            if old not in upstream:
                raise RuntimeError(f"deploy/ha/nginx-upstream.conf no longer names {old}")
            upstream = upstream.replace(old, f"127.0.0.1:{self.app_ports[i]}")
        (folder / "upstream.conf").write_text(upstream)
        temps = "".join(
            f"    {kind}_temp_path {folder / kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        user = "user root;\n" if self.as_root else ""
        (folder / "nginx.conf").write_text(
            f"{user}worker_processes 1;\ndaemon off;\npid {folder / 'nginx.pid'};\n"
            f"error_log {folder / 'error.log'} error;\n"
            "events { worker_connections 1024; }\n"
            "http {\n    access_log off;\n"
            f"{temps}    include {folder / 'upstream.conf'};\n"
            f"    server {{\n        listen 127.0.0.1:{self.nginx_port};\n"
            "        client_max_body_size 10m;\n        client_body_buffer_size 11m;\n"
            "        location / {\n            proxy_pass http://haven_app;\n"
            "            proxy_set_header Host $host;\n"
            '            proxy_set_header Connection "";\n'
            "            proxy_set_header X-Forwarded-Proto http;\n        }\n    }\n}\n"
        )
        nginx = shutil.which("nginx", path=os.environ.get("PATH", "") + ":/usr/sbin") or "nginx"
        self.nginx = Process(
            "nginx",
            [nginx, "-p", str(folder), "-c", str(folder / "nginx.conf")],
            folder / "out.log",
        )
        self.nginx.start()
        wait_for("nginx", lambda: get(self.nginx_port, "/")[0] == 200, 30)

    # --- whole ------------------------------------------------------------------------------------

    def up_database(self) -> None:
        self.start_etcd()
        self.start_pg_nodes()
        self.create_database()

    def up_app(self, extra_env: dict[str, str]) -> None:
        self.app_env(extra_env)
        self.start_apps()
        self.start_workers()
        self.start_nginx()

    def down(self) -> None:
        for process in [*([self.nginx] if self.nginx else []), *self.workers, *self.apps]:
            process.stop()
        for node in self.pg:
            node.process.stop()
            pid = node.postmaster_pid()
            if pid is not None and Path(f"/proc/{pid}").exists():
                subprocess.run(
                    (["runuser", "-u", "postgres", "--"] if self.as_root else [])
                    + [str(PG_BIN / "pg_ctl"), "-D", str(node.data_dir), "-m", "immediate", "stop"],
                    check=False,
                    capture_output=True,
                )
        for process in self.etcd:
            process.stop()

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def standalone_postgres(root: Path) -> tuple[str, Callable[[], None]]:
    """The single-node baseline: one PostgreSQL 15 with the durable defaults (fsync on,
    synchronous_commit on, no standby), on a loopback port. Returns its URL and a stop function."""
    folder = root / "single"
    folder.mkdir(mode=0o700)
    as_root = os.geteuid() == 0
    if as_root:
        pw = pwd.getpwnam("postgres")
        os.chown(folder, pw.pw_uid, pw.pw_gid)
    owner = ["runuser", "-u", "postgres", "--"] if as_root else []
    data, port = folder / "data", free_port()
    subprocess.run(
        [*owner, str(PG_BIN / "initdb"), "-D", str(data), "-U", "haven", "--auth=trust"]
        + ["-E", "UTF8", "--locale=C.UTF-8", "--data-checksums"],
        check=True,
        capture_output=True,
    )
    options = f"-k {folder} -p {port} -c listen_addresses=127.0.0.1 -c max_connections=200"
    subprocess.run(
        [*owner, str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(folder / "log")]
        + ["-o", options, "-w", "start"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *owner,
            str(PG_BIN / "createdb"),
            "-h",
            str(folder),
            "-p",
            str(port),
            "-U",
            "haven",
            "haven",
        ],
        check=True,
    )

    def stop() -> None:
        subprocess.run(
            [*owner, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
        )

    return f"postgres://haven@127.0.0.1:{port}/haven", stop
