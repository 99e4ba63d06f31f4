"""The person's side of an e-mail conversation in the tests: send as them over SMTP, read their
inbox over IMAP, against `haven.testing.mailserver`."""

from __future__ import annotations

import email
import email.policy
import smtplib
import uuid
from email.message import EmailMessage, Message
from typing import Any

from haven.testing.mailserver import MailSystem


def channel_config(mail: MailSystem, hotline: str, **extra: Any) -> dict[str, Any]:
    """An e-mail channel's configuration for the hotline mailbox `hotline` on the test system."""
    return {
        "address": mail.address(hotline),
        "imap_host": mail.host,
        "imap_port": mail.imap_port,
        "imap_user": hotline,
        "imap_password": mail.passwords[hotline],
        "smtp_host": mail.host,
        "smtp_port": mail.smtp_port,
        "smtp_user": hotline,
        "smtp_password": mail.passwords[hotline],
        "ca_file": str(mail.ca_file),
        **extra,
    }


def new_user(mail: MailSystem, prefix: str) -> str:
    name = f"{prefix}{uuid.uuid4().hex[:8]}"
    mail.add_user(name)
    return name


def send_as(mail: MailSystem, user: str, msg: Message) -> None:
    with smtplib.SMTP(mail.host, mail.smtp_port, timeout=30) as smtp:
        smtp.starttls(context=mail.ssl_context())
        smtp.login(user, mail.passwords[user])
        smtp.send_message(msg)


def plain(sender: str, to: str, text: str, **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, headers.pop("subject", "hello")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(text)
    return msg


def inbox(mail: MailSystem, user: str) -> list[Message]:
    from imapclient import IMAPClient

    with IMAPClient(mail.host, port=mail.imap_port, ssl_context=mail.ssl_context()) as imap:
        imap.login(user, mail.passwords[user])
        imap.select_folder("INBOX", readonly=True)
        uids = imap.search()
        fetched = imap.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
    return [
        email.message_from_bytes(fetched[u][b"BODY[]"], policy=email.policy.default)
        for u in sorted(fetched)
    ]


def uids(mail: MailSystem, user: str) -> list[int]:
    from imapclient import IMAPClient

    with IMAPClient(mail.host, port=mail.imap_port, ssl_context=mail.ssl_context()) as imap:
        imap.login(user, mail.passwords[user])
        imap.select_folder("INBOX", readonly=True)
        return sorted(imap.search())
