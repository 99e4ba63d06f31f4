"""Issue 14, finding 5: does a flood of wrong codenames slow a real codename sign-in?

    uv run python bench/codename_flood.py [--runs 3] [--seconds 20] [--real 2] [--factor 10]
                                          [--legacy] [--baseline-tree DIR]

A real gunicorn on 127.0.0.1 with the shipped unit's shape (`-k gthread -w 4 --threads 8`),
a throwaway SQLite database, production codename derivations (the tree's own: since issue 16
Argon2id 1 MiB, with the legacy 64 MiB lane only while legacy identities exist; `--legacy` adds
one so the lane stays open) and the 0.8 s minimum answer time. Per run, for `--real` people who each hold a real
codename (from a real submission):

1. unloaded: each signs in (POST /enter/ -> 302) and out again, 6 times in a row;
2. flood: `--factor` x `--real` clients post well-formed wrong codenames (seven words of the
   list, so each one costs a derivation) in a closed loop, re-sending at once whatever the answer
   (a 503 included: an attacker ignores Retry-After); after 3 s of flood the real people sign in
   and out again and again for `--seconds`;
3. after: the flood stops; the real people sign in 6 times each again at once (main slowed
   everyone for ten minutes after a campaign).

Reported per run: the real sign-in's median and p90 in each phase, how many of the real sign-ins
succeeded, the flood's requests per second by answer. With `--baseline-tree DIR` the same run is
repeated against another checkout of Haven (e.g. `git archive main | tar -x -C DIR`) with the
same interpreter, for the before/after. Every loop is bounded in time; loopback only.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
# The tree under test comes first: the prepare child may belong to another checkout.
sys.path.insert(0, os.environ.get("BENCH_TREE") or str(ROOT))

from _django import median, percentile  # noqa: E402
from _http import free_port  # noqa: E402

TIMEOUT = 30.0
TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
CODENAME = re.compile(r'<p class="codename"[^>]*><strong>([^<]+)</strong>')


def prepare(data_dir: str) -> None:
    """Run in a child process (with the tree under test on sys.path): database and intake vault."""
    os.environ["HAVEN_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "haven.settings"
    # Fast Argon2 for the staff key only; codenames keep production parameters.
    os.environ["HAVEN_ARGON2_OPSLIMIT"] = "1"
    os.environ["HAVEN_ARGON2_MEMLIMIT"] = str(8 * 1024 * 1024)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from haven.accounts.actions import create_staff_user
    from haven.intake.actions import set_up_intake_vault
    from haven.vault.keyring import Keyring
    from haven.vault.userkeys import unwrap_user_key

    password = "bench password for a throwaway installation"  # noqa: S105
    user = create_staff_user(
        actor=None, username="coordinator", roles=["coordinator"], password=password
    ).user
    private = unwrap_user_key(user, password)
    assert private is not None
    set_up_intake_vault(actor=user, keyring=Keyring(user, private))
    if os.environ.get("BENCH_LEGACY") == "1":
        # One identity issued under the legacy (64 MiB) derivation and never signed in since:
        # its lane stays open, so every wrong codename also pays one legacy derivation.
        from haven.intake import actions as intake_actions
        from haven.intake.models import PortalIdentity
        from haven.vault import codename as codename_crypto

        codename_crypto.derive = codename_crypto.derive_legacy  # type: ignore[assignment]
        submission = intake_actions.submit_request(
            text="старый запрос", felt_urgency="days", contact="", files=[], language="ru"
        )
        PortalIdentity.objects.filter(pk=submission.request.identity_id).update(
            kdf=codename_crypto.LEGACY
        )


@dataclass
class Server:
    tree: Path
    data_dir: str
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None  # type: ignore[type-arg]

    def __enter__(self) -> Server:
        env = {
            **os.environ,
            "HAVEN_DATA_DIR": self.data_dir,
            "HAVEN_LOG_LEVEL": "ERROR",
            "PYTHONPATH": str(self.tree),
        }
        self.proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "haven.wsgi", "-w", "4", "-k", "gthread",
             "--threads", "8", "-b", f"127.0.0.1:{self.port}", "--log-level", "warning"],
            env=env, cwd=self.tree, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 300  # a shared, busy machine boots Django slowly
        while time.monotonic() < deadline:
            try:
                if request(self.port, "GET", "/enter/")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        workers = [int(p) for p in path.read_text().split()] if path.exists() else []
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(30)
        # A killed master leaves workers busy deriving: they are ours, end them too.
        for pid in workers:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                if f"127.0.0.1:{self.port}".encode() in cmdline:  # still our worker
                    os.kill(pid, 9)
            except (OSError, ProcessLookupError):
                pass


def request(
    port: int, method: str, path: str, body: dict[str, str] | None = None, cookie: str = ""
) -> tuple[int, str, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        if cookie:
            headers["Cookie"] = cookie
        data = urllib.parse.urlencode(body).encode() if body else None
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        return response.status, text, {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


def form_token(port: int) -> str:
    match = TOKEN.search(request(port, "GET", "/enter/?lang=ru")[1])
    assert match
    return match.group(1)


def real_codenames(port: int, n: int) -> list[str]:
    token = form_token(port)
    names = []
    for i in range(n):
        body = {"text": f"Мне нужна помощь {i}", "felt_urgency": "days", "contact": "",
                "form_token": token}  # fmt: skip
        status, page, _h = request(port, "POST", "/help/?lang=ru", body)
        match = CODENAME.search(page)
        assert status == 200 and match, status
        names.append(match.group(1))
    return names


def sign_in_and_out(port: int, token: str, codename: str) -> tuple[bool, float, int]:
    started = time.perf_counter()
    try:
        status, _page, headers = request(
            port, "POST", "/enter/?lang=ru", {"codename": codename, "form_token": token}
        )
    except OSError:
        return False, time.perf_counter() - started, 0
    elapsed = time.perf_counter() - started
    if status == 302:
        cookie = headers.get("set-cookie", "").split(";", 1)[0]
        request(port, "POST", "/leave/", {"x": "1"}, cookie=cookie)
    return status == 302, elapsed, status


def sequential(port: int, token: str, codenames: list[str], times: int) -> list[tuple]:  # type: ignore[type-arg]
    results: list[tuple] = []  # type: ignore[type-arg]
    lock = threading.Lock()

    def person(codename: str) -> None:
        for _ in range(times):
            r = sign_in_and_out(port, token, codename)
            with lock:
                results.append(r)

    threads = [threading.Thread(target=person, args=(c,)) for c in codenames]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def summary(results: list[tuple]) -> dict[str, float]:  # type: ignore[type-arg]
    times = [r[1] for r in results if r[0]]
    return {
        "n": len(results),
        "ok": sum(1 for r in results if r[0]),
        "p50": median(times) if times else float("nan"),
        "p90": percentile(times, 90) if times else float("nan"),
        "statuses": dict(Counter(r[2] for r in results)),  # type: ignore[dict-item]
    }


def bare_derivation_seconds() -> float:
    """One legacy codename derivation (64 MiB, 2 passes), alone, in this process: a gauge of how
    busy the machine is right now (about 0.1 s on an idle core)."""
    import nacl.pwhash

    started = time.perf_counter()
    nacl.pwhash.argon2id.kdf(
        64, b"seven words of a codename", b"s" * 16, opslimit=2, memlimit=64 * 1024 * 1024
    )
    return time.perf_counter() - started


def one_run(tree: Path, args: argparse.Namespace, *, legacy: bool = False) -> dict[str, object]:
    from haven.lib.codenames import generate_codename

    derive_before = bare_derivation_seconds()

    with tempfile.TemporaryDirectory(prefix="haven-bench-flood-") as data:
        subprocess.run(  # noqa: S603
            [sys.executable, str(HERE / "codename_flood.py"), "prepare", data],
            check=True, cwd=tree,
            env={**os.environ, "BENCH_TREE": str(tree), "BENCH_LEGACY": "1" if legacy else "0"},
        )  # fmt: skip
        with Server(tree, data) as server:
            port = server.port
            codenames = real_codenames(port, args.real)
            token = form_token(port)
            sequential(port, token, codenames, 1)  # warm every worker's imports
            unloaded = sequential(port, token, codenames, 6)

            stop_flood = threading.Event()
            flood_answers: Counter[int] = Counter()
            lock = threading.Lock()

            def flooder() -> None:
                while not stop_flood.is_set():
                    try:
                        status = request(
                            port, "POST", "/enter/?lang=ru",
                            {"codename": generate_codename("ru"), "form_token": token},
                        )[0]  # fmt: skip
                    except OSError:
                        status = 0
                    with lock:
                        flood_answers[status] += 1

            flood_threads = [
                threading.Thread(target=flooder) for _ in range(args.factor * args.real)
            ]
            for t in flood_threads:
                t.start()
            time.sleep(3)
            flood_started = time.perf_counter()
            with lock:
                flood_answers.clear()
            under: list[tuple] = []  # type: ignore[type-arg]
            end = time.monotonic() + args.seconds

            def person(codename: str) -> None:
                while time.monotonic() < end:
                    r = sign_in_and_out(port, token, codename)
                    with lock:
                        under.append(r)

            people = [threading.Thread(target=person, args=(c,)) for c in codenames]
            for t in people:
                t.start()
            for t in people:
                t.join()
            flood_seconds = time.perf_counter() - flood_started
            with lock:
                answers = dict(flood_answers)
            stop_flood.set()
            for t in flood_threads:
                t.join(TIMEOUT + 5)
            after = sequential(port, token, codenames, 6)
    return {
        "derive_s": round(median([derive_before, bare_derivation_seconds()]), 3),
        "unloaded": summary(unloaded),
        "flood": summary(under),
        "after": summary(after),
        "flood_per_s": {k: round(v / flood_seconds, 1) for k, v in sorted(answers.items())},
        "real_per_s": round(len(under) / flood_seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--real", type=int, default=2)
    parser.add_argument("--factor", type=int, default=10)
    parser.add_argument("--baseline-tree", type=Path)
    parser.add_argument(
        "--legacy",
        action="store_true",
        help="also run this tree with one legacy (unmigrated) identity, so the legacy lane is open",
    )
    args = parser.parse_args()
    trees = [("this tree", ROOT)]
    if args.legacy:
        trees.append(("this tree, legacy lane open", ROOT))
    if args.baseline_tree:
        trees.append(("baseline", args.baseline_tree.resolve()))
    results: dict[str, list[dict[str, object]]] = {name: [] for name, _t in trees}
    for run in range(1, args.runs + 1):
        for name, tree in trees:
            r = one_run(tree, args, legacy="legacy" in name)
            results[name].append(r)
            u, f, a = r["unloaded"], r["flood"], r["after"]  # type: ignore[misc]
            print(
                f"run {run} [{name}] unloaded p50 {u['p50']:.3f} s (ok {u['ok']}/{u['n']}) | "  # type: ignore[index]
                f"flood p50 {f['p50']:.3f} s p90 {f['p90']:.3f} s ok {f['ok']}/{f['n']} "  # type: ignore[index]
                f"{f['statuses']} | after p50 {a['p50']:.3f} s | "  # type: ignore[index]
                f"flood answers/s {r['flood_per_s']} real/s {r['real_per_s']} | "
                f"bare derivation {r['derive_s']} s",
                flush=True,
            )
    for name, _tree in trees:
        rs = results[name]
        u = median([r["unloaded"]["p50"] for r in rs])  # type: ignore[index]
        f = median([r["flood"]["p50"] for r in rs])  # type: ignore[index]
        a = median([r["after"]["p50"] for r in rs])  # type: ignore[index]
        print(
            f"[{name}] medians of {len(rs)} runs: unloaded {u:.3f} s, under the flood {f:.3f} s "
            f"({f / u:.2f}x; target <= 2x), right after {a:.3f} s ({a / u:.2f}x)"
        )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "prepare":
        prepare(sys.argv[2])
    else:
        main()
