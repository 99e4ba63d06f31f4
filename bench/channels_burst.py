"""Issue 17 figures: a burst of inbound channel messages, and a known sender's «Помогите!».

    nice -n 10 uv run python bench/channels_burst.py [--messages 1000] [--seconds 60] [--senders 150]
        [--processes] [--interval 0.2]

`--processes` runs it the way production does: the SMS webhooks go over HTTP to the real WSGI
app under gunicorn (2 gthread workers x 8 threads) and the gateway is `haven gateway` in a
process of its own, both on the bench's database; this process only makes the load and reads
the results. Without it, everything runs in this one process (the webhooks through Django's
test client in 8 threads, the gateway's `run_forever` in a thread). The webhooks' admission
lane has the installation's defaults (HAVEN_CHANNEL_WEBHOOK_*) either way.

1. `--messages` messages arrive spread evenly over `--seconds`, a fifth each over SMS (signed
   webhooks through the real view, Django's test client in 8 threads), Telegram and Signal
   (pushed into the loopback stand-ins), e-mail (sent over SMTP to a real Dovecot behind
   aiosmtpd, `haven/testing/mailserver.py`) and Matrix (sent by each person's account to a real
   Synapse, `haven/testing/synapse.py`), all polled by a gateway thread running run_once in a loop,
   from `--senders` people (each writes several times: the first message of each makes a new
   request and codename, with production Argon2id). Reported: lost and duplicated messages, and
   p50/p99 from arrival (the webhook's POST starting; the push into the stand-in) to the
   message committed in triage (InboundMessage.ingested_at).
2. A staff reply to every request from triage (intake's reply action), delivered by the
   gateway thread: p50/p99 from the reply written to the provider accepting it (Reply.sent_at).
3. «Помогите!» from a known SMS sender (registered in a watched case), 50 times: p50/p99 from
   the webhook's POST starting to the escalation's first alert committed to the outbox
   (alerts.Notification), and to the first alert reaching an on-call channel: every staff
   member's channel is Apprise's json:// to a loopback HTTP sink, and the safety worker
   (`haven worker`'s loop) runs in a thread of this process.

The e-mail arrival is the SMTP submission starting (the message's UID is its place in the
order sent: one hotline mailbox, nothing else writes to it); the Matrix arrival is the person's
PUT of the event starting.
SQLite (WAL) in a throwaway directory; one process; the machine's two cores are shared with
the load generator and the stand-ins.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _django import percentile, setup  # noqa: E402
from _http import Sink, add_sink_channel  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--senders", type=int, default=150)
    parser.add_argument("--panics", type=int, default=50)
    parser.add_argument("--processes", action="store_true")
    parser.add_argument("--interval", type=float, default=0.2, help="the gateway's --sleep")
    args = parser.parse_args()

    import os
    import subprocess

    data = setup()
    from django.test import Client
    from django.utils import timezone

    from haven.accounts.models import Role
    from haven.alerts.models import Notification
    from haven.cases import actions as case_actions
    from haven.channels import delivery
    from haven.channels.ingest import create_channel, provider_digest, register_known_handle
    from haven.channels.models import InboundMessage, Reply
    from haven.intake import actions as intake_actions
    from haven.intake.models import HelpRequest
    from haven.safety.models import SafetyIncident
    from haven.testing.channel_servers import SignalCliServer, SmsGatewayServer, TelegramBotServer
    from haven.testing.mailbox import channel_config, plain, send_as
    from haven.testing.mailserver import mail_system
    from haven.testing.personas import keyring_for, make_staff
    from haven.testing.synapse import homeserver

    coordinator = make_staff("coord", Role.COORDINATOR, Role.OPERATOR, Role.CASEWORKER)
    ring = keyring_for(coordinator)
    intake_actions.set_up_intake_vault(actor=coordinator, keyring=ring)

    sms_server = SmsGatewayServer().start()
    tg_server = TelegramBotServer().start()
    sig_server = SignalCliServer().start()
    sms = create_channel(
        kind="sms",
        name="sms",
        config={"base_url": sms_server.url, "login": "haven"},
        secrets={"password": "gateway-pass", "signing_key": "k"},
    )
    tg = create_channel(
        kind="telegram",
        name="tg",
        config={"base_url": tg_server.url},
        secrets={"token": tg_server.token},
    )
    sig = create_channel(
        kind="signal",
        name="sig",
        config={"base_url": sig_server.url, "account": sig_server.account},
        secrets={},
    )

    import contextlib
    import json
    import urllib.request
    import uuid

    from imapclient import IMAPClient

    servers = contextlib.ExitStack()
    mail = servers.enter_context(mail_system())
    hs = servers.enter_context(homeserver())
    print(f"Dovecot + aiosmtpd up in {mail.started_in:.1f} s, Synapse in {hs.started_in:.1f} s")
    mail.add_user("hotline")
    mail_config = channel_config(mail, "hotline")
    mail_secrets = {k: str(mail_config.pop(k)) for k in ("imap_password", "smtp_password")}
    em = create_channel(kind="email", name="mail", config=mail_config, secrets=mail_secrets)
    with IMAPClient(mail.host, port=mail.imap_port, ssl_context=mail.ssl_context()) as imap:
        imap.login("hotline", mail.passwords["hotline"])
        validity = imap.select_folder("INBOX")[b"UIDVALIDITY"]
    bot = hs.register("hotline-bot")
    mx = create_channel(
        kind="matrix",
        name="matrix",
        config={"homeserver": hs.url, "user_id": bot.user_id, "device_id": bot.device_id},
        secrets={"access_token": bot.access_token},
    )

    def matrix_call(token: str, method: str, path: str, body: dict) -> dict:
        req = urllib.request.Request(  # noqa: S310 (our loopback Synapse)
            hs.url + path,
            data=json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310
            return dict(json.loads(resp.read()))

    mail_people: dict[int, str] = {}
    matrix_people: dict[int, tuple[str, str]] = {}  # sender -> (token, room)
    for n in range(args.messages):
        sender = n % args.senders
        if n % 5 == 3 and sender not in mail_people:
            mail_people[sender] = f"person{sender}"
            mail.add_user(mail_people[sender])
        elif n % 5 == 4 and sender not in matrix_people:
            person = hs.register(f"person{sender}")
            room = matrix_call(
                person.access_token,
                "POST",
                "/_matrix/client/v3/createRoom",
                {"is_direct": True, "invite": [bot.user_id], "preset": "trusted_private_chat"},
            )["room_id"]
            matrix_people[sender] = (person.access_token, room)
    mails_sent = 0

    stop = threading.Event()
    # The code measured (HAVEN_BENCH_CODE: another checkout, a baseline in the same session).
    root = Path(os.environ.get("HAVEN_BENCH_CODE") or Path(__file__).resolve().parent.parent)
    env = {**os.environ, "HAVEN_DATA_DIR": str(data)}
    processes: list[subprocess.Popen[bytes]] = []
    web = None
    if args.processes:
        from _http import free_port
        from crash_safety import Server

        # Started after the channels exist: the gateway reads the channel list at start-up.
        web = Server(env, free_port(), root=root)
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "haven.cli", "gateway", "--sleep", str(args.interval)],
                env=env,
                cwd=root,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
            )
        )
        web.start()
        print("gunicorn and haven gateway started")
        gateway = None
    else:
        gateway = threading.Thread(
            target=delivery.run_forever, args=(stop,), kwargs={"interval": args.interval}
        )
        gateway.start()

    def post_webhook(body: bytes | str, headers: dict[str, str]) -> int:
        if not args.processes:
            return (
                Client()
                .post(
                    f"/channels/hook/{sms.pk}/",
                    data=body,
                    content_type="application/json",
                    headers=headers,
                )
                .status_code
            )
        import http.client

        raw = body.encode() if isinstance(body, str) else body
        assert web is not None
        conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=60)
        try:
            conn.request(
                "POST",
                f"/channels/hook/{sms.pk}/",
                body=raw,
                headers={**headers, "Content-Type": "application/json"},
            )
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()

    if args.processes:
        # A server that has been running: each worker has imported its views and adapters
        # (badly signed webhooks, answered 403, write nothing).
        with ThreadPoolExecutor(16) as warm:
            list(warm.map(lambda _: post_webhook(b"{}", {"X-Signature": "x"}), range(32)))

    arrivals: dict[tuple[str, str], float] = {}  # (channel id, digest) -> arrival
    lock = threading.Lock()
    start = time.time()
    plan = []
    for n in range(args.messages):
        kind = ("sms", "telegram", "signal", "email", "matrix")[n % 5]
        sender = n % args.senders
        plan.append((start + n * args.seconds / args.messages, kind, sender, n))

    refused = [0]  # webhook answers other than 200 (503 from the admission lane)

    def send_sms(at: float, sender: int, n: int) -> None:
        time.sleep(max(0.0, at - time.time()))
        body, headers = SmsGatewayServer.webhook(
            secret="k",
            event_id=f"ev-{n}",
            phone=f"+7900{sender:07d}",
            text=f"Сообщение {n}: нужна помощь",
        )
        arrived = time.time()
        with lock:
            arrivals[(str(sms.pk), provider_digest(sms, f"ev-{n}"))] = arrived
        status = 0
        for attempt in range(10):
            status = post_webhook(body, headers)
            if status == 200:
                return
            refused[0] += 1
            time.sleep(2**attempt * 0.5)  # the gateway app retries a failed webhook too
        print("sms webhook kept failing:", status)

    pool = ThreadPoolExecutor(8)
    futures = []
    for at, kind, sender, n in plan:
        if kind == "sms":
            futures.append(pool.submit(send_sms, at, sender, n))
            continue
        time.sleep(max(0.0, at - time.time()))
        if kind == "telegram":
            update_id = tg_server.push_message(
                chat_id=100000 + sender, text=f"Message {n}: help me leave"
            )
            with lock:
                arrivals[(str(tg.pk), provider_digest(tg, str(update_id)))] = time.time()
        elif kind == "email":
            user = mail_people[sender]
            mails_sent += 1
            with lock:
                arrivals[(str(em.pk), provider_digest(em, f"{validity}:{mails_sent}"))] = (
                    time.time()
                )
            send_as(
                mail,
                user,
                plain(mail.address(user), mail.address("hotline"), f"Письмо {n}: нужна помощь"),
            )
        elif kind == "matrix":
            token, room = matrix_people[sender]
            t0 = time.time()
            event_id = matrix_call(
                token,
                "PUT",
                f"/_matrix/client/v3/rooms/{room}/send/m.room.message/{uuid.uuid4().hex}",
                {"msgtype": "m.text", "body": f"Сообщение {n}: помогите уехать"},
            )["event_id"]
            with lock:
                arrivals[(str(mx.pk), provider_digest(mx, event_id))] = t0
        else:
            stamp = sig_server.push_message(number=f"+7901{sender:07d}", text=f"Сообщение {n}")
            who = f"uuid-+7901{sender:07d}"
            with lock:
                arrivals[(str(sig.pk), provider_digest(sig, f"{who}:{stamp}"))] = time.time()
    for f in futures:
        f.result()
    deadline = time.time() + 300
    while InboundMessage.objects.count() < args.messages and time.time() < deadline:
        time.sleep(0.5)
    burst_took = time.time() - start

    rows = list(InboundMessage.objects.values_list("channel_id", "provider_digest", "ingested_at"))
    seen = {(str(c), d) for c, d, _ in rows}
    lost = len(set(arrivals) - seen)
    duplicated = len(rows) - len(seen)
    latency = [
        at.timestamp() - arrivals[(str(c), d)] for c, d, at in rows if (str(c), d) in arrivals
    ]
    print(
        f"burst: {args.messages} messages over {args.seconds:.0f} s from {args.senders} senders "
        f"({HelpRequest.objects.count()} requests), all in after {burst_took:.1f} s"
    )
    print(f"  lost {lost}, duplicated {duplicated}; SMS webhooks refused and retried: {refused[0]}")
    print(
        f"  arrival -> in triage: p50 {percentile(latency, 50):.3f} s, p99 {percentile(latency, 99):.3f} s, max {max(latency):.3f} s"
    )

    names = {str(c.pk): c.name for c in (sms, tg, sig, em, mx)}
    for cid, name in names.items():
        own = [
            at.timestamp() - arrivals[(str(c), d)]
            for c, d, at in rows
            if str(c) == cid and (str(c), d) in arrivals
        ]
        missing = sum(1 for key in arrivals if key[0] == cid and key not in seen)
        if own:
            print(
                f"  {name}: {len(own)} in, {missing} lost; p50 {percentile(own, 50):.3f} s, "
                f"p99 {percentile(own, 99):.3f} s"
            )

    # 2. replies
    while Reply.objects.filter(status=Reply.Status.QUEUED).exists():
        time.sleep(0.2)
    reply_start = timezone.now()
    for request in HelpRequest.objects.all():
        intake_actions.reply(actor=coordinator, request=request, text="Мы получили ваше сообщение")
    while Reply.objects.filter(status=Reply.Status.QUEUED).exists():
        time.sleep(0.2)
    staff = list(
        Reply.objects.filter(purpose=Reply.Purpose.STAFF, created_at__gte=reply_start).values_list(
            "created_at", "sent_at", "status"
        )
    )
    sent = [(s - c).total_seconds() for c, s, st in staff if s]
    failed = sum(1 for _, _, st in staff if st == Reply.Status.FAILED)
    print(f"replies: {len(staff)} from triage, {len(sent)} sent, {failed} failed")
    print(
        f"  written -> accepted by the provider: p50 {percentile(sent, 50):.3f} s, p99 {percentile(sent, 99):.3f} s"
    )

    # 3. known-sender panic
    case = case_actions.create_case(keyring=ring, risk="high")
    register_known_handle(
        keyring=ring, case=case, kind="sms", handle="+79990000001", panic_words=[], duress_words=[]
    )
    # Every staff member's on-call channel is Apprise's json:// to a loopback sink, and the
    # safety worker runs beside (HAVEN_WORKER_SLEEP_SECONDS): the alert's way out as in
    # production, up to the channel answering.
    from django.contrib.auth import get_user_model

    from haven.safety.worker import Worker

    sink = Sink()
    for username in get_user_model().objects.values_list("username", flat=True):
        add_sink_channel(username, sink.port)
    worker = Worker()
    worker_thread = threading.Thread(target=worker.run, daemon=True)
    worker_thread.start()
    panic, handed = [], []
    for n in range(args.panics):
        body, headers = SmsGatewayServer.webhook(
            secret="k", event_id=f"panic-{n}", phone="+79990000001", text="Помогите!"
        )
        before = Notification.objects.count()
        with sink.lock:
            posted = len(sink.received)
        t0 = time.time()
        post_webhook(body, headers)
        alert = Notification.objects.order_by("-created_at").first()
        assert Notification.objects.count() > before and alert is not None
        panic.append(alert.created_at.timestamp() - t0)
        deadline = time.time() + 60
        while time.time() < deadline:
            with sink.lock:
                if len(sink.received) > posted:
                    handed.append(sink.received[posted][0] - t0)
                    break
            time.sleep(0.005)
        else:
            print(f"  panic {n}: no alert reached the on-call channel within 60 s")
        time.sleep(0.5)  # the other recipients' alerts of this press go out before the next
    worker.stop()
    worker_thread.join(30)
    incidents = SafetyIncident.objects.filter(case=case, kind=SafetyIncident.Kind.PANIC).count()
    print(f"known-sender «Помогите!»: {args.panics} messages, {incidents} panic incidents")
    print(
        f"  POST -> first alert in the outbox: p50 {percentile(panic, 50):.3f} s, p99 {percentile(panic, 99):.3f} s"
    )
    print(
        f"  POST -> first alert at an on-call channel (Apprise json:// to a loopback sink): "
        f"{len(handed)} of {args.panics}, p50 {percentile(handed, 50):.3f} s, "
        f"p99 {percentile(handed, 99):.3f} s"
    )

    stop.set()
    if gateway is not None:
        gateway.join()
    import signal

    if web is not None:
        web.stop()
    for proc in processes:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(60)
    for server in (sms_server, tg_server, sig_server):
        server.stop()
    servers.close()


if __name__ == "__main__":
    main()
