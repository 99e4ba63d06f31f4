"""A throwaway PostgreSQL 15 cluster for the test suite, from Debian's postgresql-15 binaries.

    python -m haven.testing.pgcluster -- pytest -q

starts a cluster in a temporary folder (socket there too, a free port), runs the command with
DATABASE_URL pointing at it, and removes it afterwards. PostgreSQL refuses to run as root, and
CI runs as root, so there the cluster runs as the `postgres` system user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

PG_BIN = Path(os.environ.get("HAVEN_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_cluster_owner(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def pg_binary(name: str) -> str:
    return str(PG_BIN / name)


@contextlib.contextmanager
def cluster() -> Iterator[str]:
    if not (PG_BIN / "postgres").exists():
        raise SystemExit(
            f"PostgreSQL 15 server binaries not found in {PG_BIN}: apt-get install postgresql-15"
        )
    root = Path(tempfile.mkdtemp(prefix="haven-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        for p in (root, sock):
            os.chown(p, pw.pw_uid, pw.pw_gid)
    port = _free_port()
    log = root / "server.log"
    try:
        subprocess.run(
            _as_cluster_owner(
                [
                    pg_binary("initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "haven",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        opts = f"-k {sock} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        subprocess.run(
            _as_cluster_owner(
                [pg_binary("pg_ctl"), "-D", str(data), "-l", str(log), "-o", opts, "-w", "start"]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        subprocess.run(
            _as_cluster_owner(
                [pg_binary("createdb"), "-h", str(sock), "-p", str(port), "-U", "haven", "haven"]
            ),
            check=True,
        )
        yield f"postgres://haven@127.0.0.1:{port}/haven"
    finally:
        subprocess.run(
            _as_cluster_owner([pg_binary("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        print("usage: python -m haven.testing.pgcluster -- COMMAND ...", file=sys.stderr)
        return 2
    with cluster() as url:
        env = {**os.environ, "DATABASE_URL": url, "HAVEN_TEST_DB": "postgresql"}
        print(f"PostgreSQL test cluster at {url}", flush=True)
        return subprocess.call(argv, env=env)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
