"""Mixed-load throughput of the two-node deployment (deploy/ha/) against the single-node one, on
the same machine in the same run (issue 19).

    uv run python bench/ha_throughput.py --runs 3 --seconds 30 --clients 16

single: one gunicorn (2 gthread workers x 8 threads) on one PostgreSQL 15 with the durable
defaults (fsync on, synchronous_commit on, no standby). two-node: two such gunicorn nodes behind
nginx (deploy/ha/nginx-upstream.conf) on the Patroni pair with synchronous replication
(haven/testing/ha/topology.py), three etcd members beside them. Both get the same installation
and the same mix of staff pages and portal requests from bench/load_mixed.py (its prepare,
browsers and one_run); no worker runs in either. Everything shares the same 2 cores, so two app
nodes add no CPU here: the figure is what nginx and the second machine's synchronous COMMIT
cost, not what a second machine would add.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))


def _env() -> dict[str, str]:
    return {
        "HAVEN_DATA_DIR": tempfile.mkdtemp(prefix="haven-hat-"),
        "HAVEN_LOG_LEVEL": "ERROR",
        "HAVEN_ARGON2_OPSLIMIT": "1",
        "HAVEN_ARGON2_MEMLIMIT": str(8 * 1024 * 1024),
        "DJANGO_SETTINGS_MODULE": "haven.settings",
    }


def side(args: argparse.Namespace) -> int:
    import load_mixed
    from crash_safety import Server

    from haven.testing.ha.topology import Topology, free_port, standalone_postgres

    topo = Topology()
    stop_single = None
    try:
        if args.side == "single":
            url, stop_single = standalone_postgres(topo.root)
            env = {**os.environ, **_env(), "DATABASE_URL": url}
        else:
            topo.up_database()
            env = topo.app_env(_env())
        os.environ.clear()
        os.environ.update(env)
        from _django import setup

        setup()
        from django.db import connections

        case_ids, codenames = load_mixed.prepare(args.cases, args.people)
        connections.close_all()
        if args.side == "single":
            server = Server(env, free_port())
            server.start()
            port = server.port
        else:
            topo.start_apps()
            topo.start_nginx()
            port = topo.nginx_port
        load_mixed.args = argparse.Namespace(clients=args.clients)
        staff = [load_mixed.staff_browser(port) for _ in range(4)]
        portal = [load_mixed.portal_browser(port, c) for c in codenames]
        runs = [
            load_mixed.one_run(port, args.seconds, staff, portal, case_ids)
            for _ in range(args.runs)
        ]
        if args.side == "single":
            server.stop()
        Path(args.json).write_text(json.dumps(runs))
        return 0
    finally:
        topo.down()
        if stop_single is not None:
            stop_single()
        topo.remove()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--people", type=int, default=16)
    parser.add_argument("--side", choices=["single", "two-node"], default=None)
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    if args.side:
        return side(args)
    from _django import median

    results = {}
    for name in ("single", "two-node"):
        out = Path(tempfile.mkstemp(suffix=".json")[1])
        argv = [sys.executable, __file__, "--side", name, "--json", str(out)]
        argv += ["--runs", str(args.runs), "--seconds", str(args.seconds)]
        argv += ["--clients", str(args.clients), "--cases", str(args.cases)]
        argv += ["--people", str(args.people)]
        subprocess.run(argv, check=True)
        results[name] = json.loads(out.read_text())
        out.unlink()
        per_s = [r["per_s"] for r in results[name]]
        print(
            f"{name}: {', '.join(f'{x:.1f}' for x in per_s)} req/s, median {median(per_s):.1f}",
            flush=True,
        )
        for page, figures in results[name][-1]["pages"].items():
            print(
                f"  {page:<24} p50 {figures['p50']:6.0f} ms  p99 {figures['p99']:6.0f} ms "
                f"statuses {figures['statuses']}"
            )
    single = median([r["per_s"] for r in results["single"]])
    double = median([r["per_s"] for r in results["two-node"]])
    print(f"two-node / single-node throughput: {double / single:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
