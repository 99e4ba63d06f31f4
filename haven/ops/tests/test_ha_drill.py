"""The high-availability drill's short version (issue 19): the deploy/ha/ topology on loopback
(three etcd members, two PostgreSQL 15 nodes under Debian's Patroni, two gunicorn nodes behind
nginx, two workers), one round of faults under load: the primary database machine, an app node
and a worker killed with SIGKILL. Nothing acknowledged may be lost, no deadline alarmed twice or
not at all, and writes must come back within 30 s of the failover. `scripts/ha_drill --quick`
runs the same thing by hand and prints the same table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from haven.settings import parse_multi_host_url
from haven.testing.ha.topology import missing_binaries

ROOT = Path(__file__).resolve().parents[3]


def test_a_multi_host_database_url_reaches_psycopg_as_libpq_multi_host() -> None:
    from django.db.backends.postgresql.base import DatabaseWrapper

    config = parse_multi_host_url(
        "postgres://haven:p%40ss@10.0.0.21:5432,10.0.0.22:6432/haven"
        "?target_session_attrs=read-write&connect_timeout=3",
        60,
    )
    assert config["HOST"] == "10.0.0.21,10.0.0.22" and config["PORT"] == "5432,6432"
    assert config["PASSWORD"] == "p@ss" and config["NAME"] == "haven"
    wrapper = DatabaseWrapper(
        {**config, "TIME_ZONE": None, "CONN_HEALTH_CHECKS": True, "AUTOCOMMIT": True}
    )
    params = wrapper.get_connection_params()
    assert params["host"] == "10.0.0.21,10.0.0.22" and params["port"] == "5432,6432"
    assert params["target_session_attrs"] == "read-write"
    with pytest.raises(ValueError, match="postgres"):
        parse_multi_host_url("mysql://a,b/haven", 0)


@pytest.mark.slow
@pytest.mark.engine_independent  # it starts its own PostgreSQL pair in either pass
def test_the_quick_drill_loses_nothing_and_alarms_every_deadline_once(tmp_path: Path) -> None:
    missing = missing_binaries()
    if missing:
        pytest.fail(
            f"missing {missing}: `apt-get install -y patroni etcd-server` (scripts/test does it)"
        )
    results = tmp_path / "drill.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "HAVEN_DATA_DIR")}
    run = subprocess.run(
        [sys.executable, "bench/ha_drill.py", "--quick", "--json", str(results)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    out = run.stdout[-6000:] + run.stderr[-3000:]
    assert results.exists(), out
    figures = json.loads(results.read_text())
    assert figures["failures"] == [], out
    assert run.returncode == 0, out
    assert sum(figures["lost"].values()) == 0, out
    acknowledged = figures["acknowledged"]
    assert acknowledged["submissions"] > 0 and acknowledged["checkins"] > 0, out
    deadlines = figures["deadlines"]
    assert deadlines["due"] > 20, out
    assert deadlines["incidents missing"] == deadlines["incidents twice"] == 0, out
    assert deadlines["alerts missing"] == deadlines["alerts twice"] == 0, out
    kinds = {f["kind"]: f for f in figures["faults"]}
    assert set(kinds) == {"database", "app", "worker"}, out
    assert kinds["database"]["recovery"] <= 30, out
    assert "verdict: PASS" in run.stdout, out
