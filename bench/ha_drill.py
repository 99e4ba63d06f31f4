"""The high-availability drill (issue 19): Haven's two-node deployment (deploy/ha/) on this
machine, under mixed load, losing one machine at a time.

    scripts/ha_drill            # 10 rounds: the primary PostgreSQL machine, an app node, a worker
    scripts/ha_drill --quick    # one round (one failover): what the test suite runs

The topology (haven/testing/ha/topology.py): three etcd members, two PostgreSQL 15 nodes under
Patroni with synchronous replication, two gunicorn app nodes behind nginx, two `haven worker`
processes; Haven reaches the database through a libpq multi-host DATABASE_URL with
target_session_attrs=read-write.

The load, all through nginx: people submitting help requests through the portal, people checking
in with their PIN (now and then a panic press), a coordinator opening staff pages, and a probe
checking in every 0.2 s (its acknowledgements time the recovery). One check-in deadline falls due
every second (watches of their own, alarmed to an HTTP sink through Apprise's json:// channel).

The faults, each round, at random moments: SIGKILL to every process of the primary PostgreSQL
machine (Patroni and PostgreSQL: a real failover, not a local restart), then to an app node (its
whole gunicorn), then to a worker. Each lost machine is started again after the service has
answered; a round waits until the pair of PostgreSQL nodes is whole (synchronous standby
streaming) before the next database fault.

The verdict: every acknowledged submission opens and reads what was sent, every acknowledged
check-in and panic press is stored (bench/crash_safety.py's verify); every deadline that fell due
opened exactly one missed-check-in incident and reached the sink exactly once. Per fault: the
seconds until a write was acknowledged again, and the delay from deadline to alert for the
deadlines falling due between that fault and the next. Exit status 1 if anything was lost or
sent twice, or a target was missed (writes back within 30 s of a failover; p99 alert delay
<= 45 s).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import http.server
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from _django import percentile  # noqa: E402
from _http import Sink, add_sink_channel  # noqa: E402
from crash_safety import (  # noqa: E402
    CHECKED_IN,
    CODENAME,
    PASSWORD,
    PIN,
    TOKEN,
    Deadline,
    Ledger,
    checker,
    prepare,
    request,
    verify,
)

from haven.testing.ha.topology import Topology, missing_binaries, wait_for  # noqa: E402

TARGET_RECOVERY_S = 30.0
TARGET_ALERT_P99_S = 45.0


# --- the load ---------------------------------------------------------------------------------


def submitter(port: int, stop: Deadline, ledger: Ledger, n: int, rng: random.Random) -> None:
    """A person asking for help through the portal form, as a browser does: when the answer is
    cut off (an app node or the primary lost mid-request), the same form is posted again, with
    the same text and form token, up to 5 times. The help form is idempotent on its token: if the
    first post was committed, the second answers with the same codename (bench/crash_safety.py's
    submitter sends a new text with the old token instead, and then counts the first text's
    codename against the second text: a loss of its own making)."""
    i = 0
    while not stop.passed():
        token, text, tries = "", "", 0
        while not stop.passed() and tries < 5:
            tries += 1
            try:
                if not token:
                    status, page, _h = request(port, "GET", "/help/?lang=ru")
                    match = TOKEN.search(page)
                    if status != 200 or not match:
                        raise OSError(f"help page {status}")
                    token = match.group(1)
                    text = (
                        f"Прошу помощи, запрос {n}-{i} {uuid.uuid4()}. Меня ищут, я у знакомых, "
                        "долго здесь оставаться нельзя. " * rng.randint(1, 4)
                    ).strip()
                fields = {"text": text, "felt_urgency": rng.choice(["now", "days", "weeks"])}
                fields |= {"contact": "", "form_token": token}
                status, page, _h = request(port, "POST", "/help/?lang=ru", fields)
                match = CODENAME.search(page)
                if status == 200 and match:
                    with ledger.lock:
                        ledger.submissions.append((match.group(1), text))
                    break
                with ledger.lock:
                    ledger.failed += 1
                if status == 400:  # the form was refused (an expired token): a fresh one
                    token = ""
            except (OSError, http.client.HTTPException):
                with ledger.lock:
                    ledger.failed += 1
                time.sleep(0.2)
        i += 1


# --- the installation -------------------------------------------------------------------------


def make_deadlines(first: dt.datetime, count: int, caseworker_username: str) -> dict[str, float]:
    """`count` watched people whose check-in deadline falls due one a second from `first`; their
    caseworker is alarmed through the sink. Returns reference -> deadline (epoch seconds)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from haven.accounts.models import User
    from haven.cases.models import Case, CaseAssignment
    from haven.safety.models import Watch
    from haven.vault.models import Vault

    worker = User.objects.get(username=caseworker_username)
    vault = Vault.objects.create(kind="case", public_key=b"x" * 32)
    pin = make_password(PIN)
    now = timezone.now()
    cases = Case.objects.bulk_create(
        [Case(vault=vault, reference=f"HV-D{i:07d}") for i in range(count)]
    )
    CaseAssignment.objects.bulk_create([CaseAssignment(case=c, user=worker) for c in cases])
    watches = [
        Watch(
            case=c,
            interval_minutes=720,
            grace_minutes=60,
            pin_hash=pin,
            next_deadline=first + dt.timedelta(seconds=i),
            started_at=now,
            state="up",
            last_checkin_at=now,
        )
        for i, c in enumerate(cases)
    ]
    Watch.objects.bulk_create(watches)
    return {c.reference: (first + dt.timedelta(seconds=i)).timestamp() for i, c in enumerate(cases)}


def staff_pages(port: int, stop: Deadline, counts: Counter[str]) -> None:
    """The coordinator opening the dashboard, the safety roster and the case list."""
    from django.db import DatabaseError, connections
    from load_mixed import Browser

    from haven.accounts.models import User
    from haven.testing.personas import current_code

    user = User.objects.get(username="coordinator")
    browser: Browser | None = None
    pages = ["/staff/", "/staff/watch/roster/", "/staff/cases/"]
    while not stop.passed():
        try:
            if browser is None:
                candidate = Browser(port)
                token = candidate.token("/staff/login/")
                fields = {
                    "username": "coordinator",
                    "password": PASSWORD,
                    "otp_token": current_code(user),
                    "csrfmiddlewaretoken": token,
                }
                status, _page = candidate.send("POST", "/staff/login/", fields)
                if status != 302:
                    raise OSError(f"staff sign-in {status}")
                browser = candidate
            status, _page = browser.send("GET", random.choice(pages))
            counts["staff ok" if status == 200 else "staff failed"] += 1
            if status == 302:
                browser = None
        except (OSError, RuntimeError, http.client.HTTPException, DatabaseError):
            # DatabaseError: reading the TOTP device here while the primary is being replaced.
            counts["staff failed"] += 1
            connections.close_all()
            time.sleep(0.5)
        time.sleep(0.1)


@dataclass
class Probe:
    """Checks in every 0.2 s through nginx; a 'Thank you' is an acknowledged write."""

    port: int
    codename: str
    ledger: Ledger
    acknowledged: list[tuple[float, float]] = field(default_factory=list)  # (sent, answered)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, stop: Deadline) -> None:
        cookie = ""
        while not stop.passed():
            try:
                if not cookie:
                    status, page, _h = request(self.port, "GET", "/enter/?lang=en")
                    match = TOKEN.search(page)
                    if status != 200 or not match:
                        raise OSError("enter page")
                    fields = {"codename": self.codename, "form_token": match.group(1)}
                    status, _p, headers = request(self.port, "POST", "/enter/?lang=en", fields)
                    if status != 302 or "set-cookie" not in headers:
                        raise OSError("sign-in")
                    cookie = headers["set-cookie"].split(";", 1)[0]
                sent = time.time()
                status, page, _h = request(
                    self.port, "POST", "/checkin/?lang=en", {"pin": PIN}, cookie
                )
                if status == 200 and CHECKED_IN in page:
                    with self.lock:
                        self.acknowledged.append((sent, time.time()))
                    with self.ledger.lock:
                        counts = self.ledger.checkins
                        counts[self.codename] = counts.get(self.codename, 0) + 1
                elif status == 302:
                    cookie = ""
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.2)

    def first_after(self, t: float) -> float | None:
        """When the first check-in sent after `t` was acknowledged (one already on its way when
        the fault struck proves nothing about the service after it)."""
        with self.lock:
            later = [answered for sent, answered in self.acknowledged if sent > t]
        return min(later) if later else None


# --- the drill --------------------------------------------------------------------------------


@dataclass
class Fault:
    kind: str  # "database", "app", "worker"
    target: str
    at: float
    recovery: float | None = None
    restored: float | None = None  # seconds until the lost machine was whole again
    delays: list[float] = field(default_factory=list)


def fault_database(topo: Topology, probe: Probe) -> Fault:
    leader = topo.leader()
    if leader is None or not topo.replicated():
        raise RuntimeError("the PostgreSQL pair is not whole before the fault")
    fault = Fault("database", leader.name, time.time())
    leader.kill()
    topo.wait_new_leader(leader, 120)
    wait_for("a write after the failover", lambda: probe.first_after(fault.at), 120)
    fault.recovery = (probe.first_after(fault.at) or 0) - fault.at
    topo.restart_pg(leader)
    topo.wait_replicated(300, standby=leader.name)
    fault.restored = time.time() - fault.at
    return fault


def fault_app(topo: Topology, probe: Probe, rng: random.Random) -> Fault:
    i = rng.randrange(len(topo.apps))
    fault = Fault("app", f"app{i}", time.time())
    topo.apps[i].kill()
    wait_for("a write after losing an app node", lambda: probe.first_after(fault.at), 60)
    fault.recovery = (probe.first_after(fault.at) or 0) - fault.at
    time.sleep(2)
    topo.apps[i].start()
    topo.wait_app(i, 120)
    fault.restored = time.time() - fault.at
    return fault


def fault_worker(
    topo: Topology, sink: Sink, deadlines: dict[str, float], rng: random.Random
) -> Fault:
    i = rng.randrange(len(topo.workers))
    fault = Fault("worker", f"worker{i}", time.time())
    topo.workers[i].kill()
    wait_for("an alarm after losing a worker", lambda: sink.first_after(fault.at, deadlines), 60)
    fault.recovery = (sink.first_after(fault.at, deadlines) or 0) - fault.at
    time.sleep(2)
    topo.workers[i].start()
    fault.restored = time.time() - fault.at
    return fault


def verify_deadlines(
    deadlines: dict[str, float], sink: Sink, until: float
) -> tuple[dict[str, int], dict[str, float]]:
    """Per deadline that fell due by `until`: incidents opened and alerts received."""
    from django.db import connections

    from haven.safety.models import SafetyIncident

    connections.close_all()
    due = {ref for ref, at in deadlines.items() if at <= until}
    incidents = Counter(
        SafetyIncident.objects.filter(
            kind=SafetyIncident.Kind.MISSED, reference__in=list(deadlines)
        ).values_list("reference", flat=True)
    )
    with sink.lock:
        received = list(sink.received)
    alerts = Counter(ref for _at, ref in received if ref in deadlines)
    first: dict[str, float] = {}
    for at, ref in received:
        if ref in deadlines and ref not in first:
            first[ref] = at
    verdict = {
        "due": len(due),
        "incidents missing": sum(1 for ref in due if incidents[ref] == 0),
        "incidents twice": sum(1 for ref in deadlines if incidents[ref] > 1),
        "alerts missing": sum(1 for ref in due if alerts[ref] == 0),
        "alerts twice": sum(1 for ref in deadlines if alerts[ref] > 1),
    }
    delays = {ref: first[ref] - deadlines[ref] for ref in first}
    return verdict, delays


def _p(values: list[float], q: float) -> str:
    return f"{percentile(values, q):.1f}" if values else "-"


def table(faults: list[Fault], delays: dict[str, float], deadlines: dict[str, float]) -> str:
    lines = [
        "fault      n  recovery p50  p99   max | restored p50 | alert delay p50  p99   max",
    ]
    for kind in ("database", "app", "worker"):
        mine = [f for f in faults if f.kind == kind]
        if not mine:
            continue
        rec = [f.recovery for f in mine if f.recovery is not None]
        res = [f.restored for f in mine if f.restored is not None]
        d = [x for f in mine for x in f.delays]
        lines.append(
            f"{kind:9} {len(mine):2}  {_p(rec, 50):>12} {_p(rec, 99):>4} {max(rec):5.1f} |"
            f" {_p(res, 50):>12} | {_p(d, 50):>15} {_p(d, 99):>4} {max(d) if d else 0:5.1f}"
        )
    all_delays = list(delays.values())
    lines.append(
        f"all deadlines: {len(all_delays)} alarmed, delay p50 {_p(all_delays, 50)} s, "
        f"p99 {_p(all_delays, 99)} s, max {max(all_delays) if all_delays else 0:.1f} s"
    )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    missing = missing_binaries()
    if missing:
        print(
            f"missing: {', '.join(missing)} (apt-get install patroni etcd-server postgresql-15 nginx)"
        )
        return 2
    rng = random.Random(args.seed)
    began = time.monotonic()
    topo = Topology(app_workers=args.app_workers)
    print(f"topology in {topo.root}", flush=True)
    try:
        topo.up_database()
        print(
            f"etcd x3, PostgreSQL pair under Patroni up in {time.monotonic() - began:.0f} s "
            f"(leader {topo.leader().name if topo.leader() else '?'})",
            flush=True,
        )
        data = tempfile.mkdtemp(prefix="haven-ha-data-")
        extra = {
            "HAVEN_DATA_DIR": data,
            "HAVEN_LOG_LEVEL": "ERROR",
            "HAVEN_INTAKE_NEW_CONCURRENCY": "0",
            "HAVEN_INTAKE_NEW_PER_SECOND": "0",
            "HAVEN_PORTAL_MIN_SECONDS": "0",
            "HAVEN_ARGON2_OPSLIMIT": "1",
            "HAVEN_ARGON2_MEMLIMIT": str(8 * 1024 * 1024),
            "HAVEN_CODENAME_ARGON2_OPSLIMIT": "1",
            "HAVEN_CODENAME_ARGON2_MEMLIMIT": str(8 * 1024 * 1024),
            # Only the first step of each missed check-in within the drill: one alert a deadline.
            "HAVEN_ESCALATION_STEP_MINUTES": "600",
            "HAVEN_ESCALATION_REPEAT_MINUTES": "600",
            "DJANGO_SETTINGS_MODULE": "haven.settings",
        }
        env = topo.app_env(extra)
        os.environ.clear()
        os.environ.update(env)
        from _django import setup

        setup()
        codenames = prepare(args.checkers + 1)
        probe_codename = codenames.pop()
        sink = Sink()
        add_sink_channel("caseworker", sink.port)
        horizon = args.horizon or (400 if args.quick else 60 * 60)
        from django.db import connections
        from django.utils import timezone

        connections.close_all()
        topo.up_app({})
        # The deadlines start once the workers run: a backlog from the start-up would be the
        # start-up's delay, not the drill's.
        first = timezone.now() + dt.timedelta(seconds=args.lead)
        deadlines = make_deadlines(first, horizon, "caseworker")
        connections.close_all()
        print(
            f"two app nodes, two workers, nginx up; {args.checkers} people checking in, "
            f"{args.submitters} submitting, {horizon} deadlines one a second from "
            f"{args.lead} s on ({time.monotonic() - began:.0f} s since start)",
            flush=True,
        )
        ledger = Ledger()
        stop = Deadline(10**6)
        staff_counts: Counter[str] = Counter()
        probe = Probe(topo.nginx_port, probe_codename, ledger)
        threads = [threading.Thread(target=probe.run, args=(stop,))]
        threads += [
            threading.Thread(
                target=submitter,
                args=(topo.nginx_port, stop, ledger, n, random.Random(rng.random())),
            )
            for n in range(args.submitters)
        ]
        threads += [
            threading.Thread(
                target=checker,
                args=(topo.nginx_port, stop, ledger, c, random.Random(rng.random())),
            )
            for c in codenames
        ]
        threads += [
            threading.Thread(target=staff_pages, args=(topo.nginx_port, stop, staff_counts))
        ]
        for t in threads:
            t.daemon = True
            t.start()
        # The first deadlines fall due before the first fault.
        time.sleep(max(0.0, first.timestamp() - time.time()) + 3)
        faults: list[Fault] = []
        for round_ in range(args.rounds):
            for kind in ("database", "app", "worker"):
                time.sleep(rng.uniform(args.gap_min, args.gap_max))
                if kind == "database":
                    fault = fault_database(topo, probe)
                elif kind == "app":
                    fault = fault_app(topo, probe, rng)
                else:
                    fault = fault_worker(topo, sink, deadlines, rng)
                faults.append(fault)
                print(
                    f"round {round_ + 1} {kind:8} {fault.target}: answered again after "
                    f"{fault.recovery:.1f} s, whole again after {fault.restored:.1f} s",
                    flush=True,
                )
        time.sleep(5)
        stop_at = time.time()
        stop.extend(-(10**6))
        for t in threads:
            t.join(60)
        # Every deadline that fell due before the load stopped must reach the sink.
        # A delivery claimed by a worker that was killed (or whose primary was) waits for its
        # claim to expire (60 s) before the other worker sends it: wait up to two minutes.
        due = {ref for ref, at in deadlines.items() if at <= stop_at}

        def all_received() -> bool:
            with sink.lock:
                return due <= {r for _a, r in sink.received}

        try:
            wait_for("the last alarms", all_received, 120, interval=1.0)
        except RuntimeError:
            pass
        time.sleep(3)
        verdict, delays = verify_deadlines(deadlines, sink, stop_at)
        for i, fault in enumerate(faults):
            until = faults[i + 1].at if i + 1 < len(faults) else stop_at
            fault.delays = [
                delays[ref]
                for ref, at in deadlines.items()
                if fault.at <= at < until and ref in delays
            ]
        lost = verify(ledger, [*codenames, probe_codename])
        checkins = sum(ledger.checkins.values())
        panics = sum(ledger.panics.values())
        print()
        print(table(faults, delays, deadlines))
        print(
            f"acknowledged: {len(ledger.submissions)} submissions, {checkins} check-ins, "
            f"{panics} panic presses, {staff_counts['staff ok']} staff pages; "
            f"lost: {lost['submissions']} submissions, {lost['checkins']} check-ins, "
            f"{lost['panics']} panic presses; requests cut off or refused: {ledger.failed}"
        )
        print(
            f"deadlines due: {verdict['due']}; incidents missing {verdict['incidents missing']}, "
            f"twice {verdict['incidents twice']}; alerts missing {verdict['alerts missing']}, "
            f"sent twice {verdict['alerts twice']}"
        )
        db_recovery = [
            f.recovery for f in faults if f.kind == "database" and f.recovery is not None
        ]
        all_delays = list(delays.values())
        failures = []
        if sum(lost.values()):
            failures.append("acknowledged writes lost")
        if verdict["incidents missing"] or verdict["alerts missing"]:
            failures.append("deadlines not alarmed")
        if verdict["incidents twice"] or verdict["alerts twice"]:
            failures.append("deadlines alarmed twice")
        if db_recovery and max(db_recovery) > TARGET_RECOVERY_S:
            failures.append(f"a failover took over {TARGET_RECOVERY_S:.0f} s")
        if all_delays and percentile(all_delays, 99) > TARGET_ALERT_P99_S:
            failures.append(f"p99 alert delay over {TARGET_ALERT_P99_S:.0f} s")
        if not len(ledger.submissions) or not checkins:
            failures.append("nothing was acknowledged")
        print("verdict: " + ("PASS" if not failures else "FAIL: " + "; ".join(failures)))
        if args.json:
            Path(args.json).write_text(
                json.dumps(
                    {
                        "faults": [
                            {
                                "kind": f.kind,
                                "target": f.target,
                                "recovery": f.recovery,
                                "restored": f.restored,
                                "delays": f.delays,
                            }
                            for f in faults
                        ],
                        "delays": all_delays,
                        "deadlines": verdict,
                        "lost": lost,
                        "acknowledged": {
                            "submissions": len(ledger.submissions),
                            "checkins": checkins,
                            "panics": panics,
                            "staff": staff_counts["staff ok"],
                        },
                        "failures": failures,
                    },
                    indent=1,
                )
            )
        return 1 if failures else 0
    finally:
        topo.down()
        if not args.keep:
            topo.remove()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one round (one failover)")
    parser.add_argument("--rounds", type=int, default=None, help="default 10 (1 with --quick)")
    parser.add_argument("--submitters", type=int, default=None)
    parser.add_argument("--checkers", type=int, default=None)
    parser.add_argument("--app-workers", type=int, default=2, help="gunicorn processes a node")
    parser.add_argument("--lead", type=int, default=15, help="seconds before the first deadline")
    parser.add_argument("--horizon", type=int, default=0, help="deadlines made (one a second)")
    parser.add_argument("--gap-min", type=float, default=None)
    parser.add_argument("--gap-max", type=float, default=None)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--json", default="", help="write the results here too")
    parser.add_argument("--keep", action="store_true", help="keep the topology's folder (logs)")
    args = parser.parse_args(argv)
    # SIGTERM (a CI timeout, systemd) stops the topology too, through run()'s finally.
    signal.signal(signal.SIGTERM, lambda *_a: sys.exit(143))
    args.rounds = args.rounds or (1 if args.quick else 10)
    args.submitters = args.submitters if args.submitters is not None else (2 if args.quick else 4)
    args.checkers = args.checkers if args.checkers is not None else (2 if args.quick else 4)
    args.gap_min = args.gap_min if args.gap_min is not None else (2.0 if args.quick else 3.0)
    args.gap_max = args.gap_max if args.gap_max is not None else (5.0 if args.quick else 15.0)
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1 << 30)
    print(f"seed {args.seed}", flush=True)
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
