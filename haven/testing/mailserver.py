"""A throwaway mail system for the tests, on loopback: Debian's Dovecot (IMAP over TLS, and LMTP
for delivery) with a configuration written into a temporary folder, and aiosmtpd as the SMTP
server in front of it (STARTTLS and AUTH required, as a real provider would), handing every
accepted message to Dovecot over LMTP. So a message sent by SMTP to any address at the test
domain lands in that user's Maildir and is read back over IMAP, the same two protocols Haven
speaks to a real provider.

    with mail_system() as mail:
        mail.add_user("hotline")                 # hotline@haven.test, password in mail.passwords
        mail.smtp_port, mail.imap_port, mail.ca_file

Dovecot refuses to hand mail to root; as root (CI) the mailboxes belong to the `mail` system user
and the login processes run as Debian's `dovenull`; as an ordinary user everything runs as that
user.

    python -m haven.testing.mailserver      # start, send one message, read it back, stop
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import pwd
import secrets
import shutil
import smtplib
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DOMAIN = "haven.test"
DOVECOT = Path(os.environ.get("HAVEN_DOVECOT", "/usr/sbin/dovecot"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _self_signed(root: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost; the tests trust it as their CA file."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = root / "cert.pem", root / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


_DOVECOT_CONF = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain
auth_username_format = %Ln
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%n {root}/users/%n
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%n allow_all_users=yes
}}
mail_location = maildir:~/Maildir
first_valid_uid = {uid}
first_valid_gid = {gid}
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
{unprivileged}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imap_port}
    ssl = yes
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
protocol lmtp {{
  ssl = no
}}
lmtp_rcpt_check_quota = no
"""

# Without root, Dovecot can neither chroot nor change user: every service runs as the caller.
_UNPRIVILEGED = """\
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
service stats {
  chroot =
}
"""


class _LmtpRelay:
    """aiosmtpd handler: every accepted message goes to Dovecot's LMTP, recipient by recipient."""

    def __init__(self, lmtp_port: int) -> None:
        self.lmtp_port = lmtp_port

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if not address.lower().endswith("@" + DOMAIN):
            return "550 5.1.1 not a local address"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        import asyncio

        def deliver() -> None:
            with smtplib.LMTP("127.0.0.1", self.lmtp_port) as lmtp:
                lmtp.sendmail(envelope.mail_from, envelope.rcpt_tos, envelope.original_content)

        try:
            await asyncio.get_running_loop().run_in_executor(None, deliver)
        except smtplib.SMTPException:
            return "451 4.3.0 local delivery failed"
        return "250 OK delivered"


class _Authenticator:
    def __init__(self, passwords: dict[str, str]) -> None:
        self.passwords = passwords

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user = auth_data.login.decode().split("@")[0]
        ok = user in self.passwords and secrets.compare_digest(
            self.passwords[user], auth_data.password.decode()
        )
        return AuthResult(success=ok)


@dataclass
class MailSystem:
    root: Path
    imap_port: int
    smtp_port: int
    ca_file: Path
    started_in: float
    passwords: dict[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"
    domain: str = DOMAIN

    def add_user(self, name: str) -> str:
        """A mailbox `name@haven.test`; returns its password. Each user has a passwd file of
        their own, so adding one while Dovecot runs never meets its cache of another."""
        password = self.passwords.get(name) or secrets.token_urlsafe(12)
        self.passwords[name] = password
        path = self.root / "users" / name
        path.write_text(f"{name}:{password}::::::\n")
        os.chmod(path, 0o644)
        return password

    def address(self, name: str) -> str:
        return f"{name}@{self.domain}"

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))


def _ids() -> dict[str, Any]:
    if os.geteuid() == 0:
        mail = pwd.getpwnam("mail")
        return {
            "uid": mail.pw_uid,
            "gid": mail.pw_gid,
            "login_user": "dovenull",
            "internal_user": "dovecot",
            "internal_group": "dovecot",
            "unprivileged": "",
        }
    me = pwd.getpwuid(os.getuid())
    return {
        "uid": me.pw_uid,
        "gid": me.pw_gid,
        "login_user": me.pw_name,
        "internal_user": me.pw_name,
        "internal_group": me.pw_name,
        "unprivileged": _UNPRIVILEGED,
    }


def _wait_port(port: int, proc: subprocess.Popen[bytes], log: Path, deadline: float) -> None:
    while True:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(f"Dovecot exited with {proc.returncode}:\n{tail}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        if time.monotonic() > deadline:
            raise RuntimeError("Dovecot did not listen within 30 s")
        time.sleep(0.02)


@contextlib.contextmanager
def mail_system() -> Iterator[MailSystem]:
    if not DOVECOT.exists():
        raise RuntimeError(f"{DOVECOT} not found: apt-get install dovecot-imapd dovecot-lmtpd")
    import logging

    from aiosmtpd.controller import Controller

    # aiosmtpd logs every line of every message at DEBUG: the test provider must not put what
    # people write into the captured logs that the leak scans read.
    logging.getLogger("mail.log").setLevel(logging.ERROR)

    started = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix="haven-mail-"))
    ids = _ids()
    # The mail user must reach its home below root; nobody may list root.
    os.chmod(root, 0o711)  # noqa: S103 (traverse only, no listing; a test folder)
    (root / "mail").mkdir()
    (root / "users").mkdir()
    os.chmod(root / "users", 0o755)  # noqa: S103 (Dovecot's auth process reads it)
    os.chown(root / "mail", ids["uid"], ids["gid"])
    cert, key = _self_signed(root)
    imap_port, lmtp_port, smtp_port = _free_port(), _free_port(), _free_port()
    conf = root / "dovecot.conf"
    conf.write_text(
        _DOVECOT_CONF.format(
            root=root, cert=cert, key=key, imap_port=imap_port, lmtp_port=lmtp_port, **ids
        )
    )
    system = MailSystem(
        root=root, imap_port=imap_port, smtp_port=smtp_port, ca_file=cert, started_in=0.0
    )
    system.add_user("postmaster")
    proc = subprocess.Popen(
        [str(DOVECOT), "-F", "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=(root / "stderr.log").open("wb"),
    )
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(str(cert), str(key))
    controller = Controller(
        _LmtpRelay(lmtp_port),
        hostname="127.0.0.1",
        port=smtp_port,
        tls_context=tls,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=_Authenticator(system.passwords),
        server_hostname="localhost",
        ready_timeout=30,
    )
    try:
        _wait_port(imap_port, proc, root / "dovecot.log", time.monotonic() + 30)
        _wait_port(lmtp_port, proc, root / "dovecot.log", time.monotonic() + 30)
        controller.start()
        system.started_in = time.monotonic() - started
        yield system
    finally:
        with contextlib.suppress(Exception):
            controller.stop()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    from email.message import EmailMessage

    from imapclient import IMAPClient

    with mail_system() as mail:
        print(f"Dovecot and aiosmtpd up after {mail.started_in:.2f} s")
        a, b = mail.add_user("alice"), mail.add_user("bob")
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = mail.address("alice"), mail.address("bob"), "hi"
        msg.set_content("hello")
        t = time.monotonic()
        with smtplib.SMTP(mail.host, mail.smtp_port) as smtp:
            smtp.starttls(context=mail.ssl_context())
            smtp.login("alice", a)
            smtp.send_message(msg)
        with IMAPClient(mail.host, port=mail.imap_port, ssl_context=mail.ssl_context()) as imap:
            imap.login("bob", b)
            imap.select_folder("INBOX")
            print(
                f"sent and read back {len(imap.search())} message(s) in {time.monotonic() - t:.2f} s"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
