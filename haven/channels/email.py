"""E-mail: the hotline's mailbox at any provider, read over IMAP (TLS) and answered over SMTP
(STARTTLS or TLS), with OpenPGP when the person uses it.

In: `poll(cursor)` logs in, selects the folder and fetches the messages whose UID is above the
cursor. The cursor is "UIDVALIDITY:UID" of the last message handed to the gateway, and the
provider id of a message is its own "UIDVALIDITY:UID", so a poll repeated after a crash brings
the same ids again and ingest drops them. With `after_ingest = "delete"` (the default) a poll
first deletes what the stored cursor covers: those messages are committed in Haven, and a
mailbox that keeps nothing gives a seized or subpoenaed account nothing to read. A changed
UIDVALIDITY (the folder was rebuilt) starts again from the folder's first message.
Bounces, auto-replies and our own mail are passed over (and the cursor moves past them), so an
absence notice never becomes a request.

OpenPGP (pysequoia: the Sequoia library's bindings; keys stay in memory, no GnuPG home or agent
on disk): a PGP/MIME (RFC 3156) or inline-encrypted message is decrypted with the
organisation's secret key (`openpgp_key`, sealed with the channel's other secrets). A key the
person sends (an attached `application/pgp-keys` part, or an Autocrypt header) travels inside
the sender's handle, which ingest seals: "address openpgp:<base64 certificate>". Every reply to
such a handle is encrypted to that key (PGP/MIME, signed by the organisation's key) and carries
a neutral subject. Replies also carry an Autocrypt header with the organisation's public key, so
a mail client that speaks Autocrypt encrypts the person's next message by itself.

Out: one SMTP submission per reply; the id returned is the Message-ID we set. "Sent" means the
provider's SMTP server accepted it: e-mail offers no delivery report we would want (read
receipts tell the sender's mail client to reveal when a message was opened).

Nothing here logs an address, a subject or a body, and no error message contains one: smtplib's
and imaplib's own exception texts can carry addresses, so only reply codes are passed on.
"""

from __future__ import annotations

import base64
import contextlib
import email.policy
import email.utils
import html.parser
import logging
import re
import smtplib
import ssl
from collections.abc import Iterator, Mapping
from email.message import EmailMessage, Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from haven.channels.adapters import (
    Adapter,
    ChannelError,
    Health,
    Inbound,
    InboundAttachment,
    Outbound,
    PermanentSendError,
    Poll,
    RetryableSendError,
    register,
)
from haven.channels.problems import record

log = logging.getLogger("haven.channels")
# imapclient logs the whole IMAP conversation at DEBUG (addresses, bodies): whatever level the
# installation logs at, that logger never says more than warnings.
logging.getLogger("imapclient").setLevel(logging.WARNING)

BATCH = 25  # messages per poll: a burst is taken in steps, each step's cursor saved
MAX_MESSAGE_BYTES = 30 * 1024 * 1024  # larger messages arrive without their attachments
KEY_MARK = " openpgp:"
UNREADABLE = (
    "[Зашифрованное сообщение: Haven не смог его расшифровать. / "
    "Encrypted message: Haven could not decrypt it.]"
)


def language_hint(text: str, declared: str = "") -> str:
    """ "ru", "en" or "" for a message: the declared language if there is one, else Cyrillic
    letters mean Russian and Latin letters alone mean English."""
    declared = (declared or "").strip().split(",")[0].split("-")[0].lower()
    if declared in {"ru", "en"}:
        return declared
    if re.search(r"[а-яё]", text, re.IGNORECASE):
        return "ru"
    if re.search(r"[a-z]", text, re.IGNORECASE):
        return "en"
    return ""


def split_handle(handle: str) -> tuple[str, bytes | None]:
    """(address, the person's OpenPGP certificate or None) from a sealed handle's plaintext."""
    address, _, key = handle.partition(KEY_MARK)
    return address.strip(), base64.b64decode(key) if key.strip() else None


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "head"}:
            self._skip += 1
        elif tag in {"br", "p", "div", "li", "tr"}:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "head"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _html_to_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    return re.sub(r"\n{3,}", "\n\n", "".join(parser.parts)).strip()


def _strip_quoted_tail(text: str) -> str:
    """A reply quotes our last message (the codename in it) below the person's words: drop a
    trailing block of "> " lines and the "... wrote:" line above it, nothing else."""
    lines = text.rstrip().splitlines()
    end = len(lines)
    while end and (lines[end - 1].startswith(">") or not lines[end - 1].strip()):
        end -= 1
    if end == len(lines):
        return text.strip()
    if end and lines[end - 1].rstrip().endswith(":"):
        end -= 1
    kept = "\n".join(lines[:end]).strip()
    return kept or text.strip()


def _payload_bytes(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _part_text(part: Message) -> str:
    charset = part.get_content_charset() or "utf-8"
    try:
        return _payload_bytes(part).decode(charset, errors="replace")
    except LookupError:
        return _payload_bytes(part).decode("utf-8", errors="replace")


class _Reader:
    """The text, files and key of one message, through its MIME tree."""

    def __init__(self, decrypt: Any) -> None:
        self.decrypt = decrypt
        self.plain: list[str] = []
        self.html: list[str] = []
        self.files: list[InboundAttachment] = []
        self.keys: list[bytes] = []
        self.encrypted = False
        self.unreadable = False

    def walk(self, msg: Message) -> None:
        ctype = msg.get_content_type()
        if ctype == "multipart/encrypted":
            self.encrypted = True
            parts = msg.get_payload()
            second = parts[1] if isinstance(parts, list) and len(parts) > 1 else None
            body = _payload_bytes(second) if isinstance(second, Message) else b""
            inner = self.decrypt(body)
            if inner is None:
                self.unreadable = True
                return
            import email as stdlib_email

            self.walk(stdlib_email.message_from_bytes(inner, policy=email.policy.default))
            return
        if msg.is_multipart():
            for sub in msg.get_payload():
                if isinstance(sub, Message):
                    self.walk(sub)
            return
        disposition = (msg.get_content_disposition() or "").lower()
        if ctype == "application/pgp-keys":
            self.keys.append(_payload_bytes(msg))
        elif ctype in {"application/pgp-signature", "application/pgp-encrypted"}:
            return
        elif ctype == "text/plain" and disposition != "attachment":
            text = _part_text(msg)
            if "-----BEGIN PGP MESSAGE-----" in text:
                self.encrypted = True
                clear = self.decrypt(text.encode())
                if clear is None:
                    self.unreadable = True
                    return
                if clear[:200].lower().lstrip().startswith((b"content-type:", b"mime-version:")):
                    import email as stdlib_email

                    # A whole MIME entity was encrypted inline (text, files, the person's key).
                    self.walk(stdlib_email.message_from_bytes(clear, policy=email.policy.default))
                    return
                text = clear.decode("utf-8", errors="replace")
            self.plain.append(text)
        elif ctype == "text/html" and disposition != "attachment":
            self.html.append(_part_text(msg))
        else:
            name = msg.get_filename() or "attachment"
            self.files.append(
                InboundAttachment(name=name, content_type=ctype, data=_payload_bytes(msg))
            )

    def text(self) -> str:
        if self.plain:
            body = "\n\n".join(self.plain)
        elif self.html:
            body = _html_to_text("\n".join(self.html))
        else:
            body = ""
        body = _strip_quoted_tail(body)
        if self.unreadable:
            body = f"{UNREADABLE}\n\n{body}".strip()
        return body


def _autocrypt_key(msg: Message, address: str) -> bytes | None:
    header = msg.get("Autocrypt")
    if not header:
        return None
    fields = {
        k.strip().lower(): v.strip()
        for k, _, v in (item.partition("=") for item in str(header).split(";"))
    }
    if fields.get("addr", "").casefold() != address.casefold() or "keydata" not in fields:
        return None
    try:
        return base64.b64decode(re.sub(r"\s+", "", fields["keydata"]))
    except ValueError:
        return None


def _is_automatic(msg: Message, address: str, own: str) -> bool:
    """Bounces, auto-replies, lists and our own messages are not people writing to us."""
    if address.casefold() == own.casefold():
        return True
    if address.split("@")[0].casefold() in {"mailer-daemon", "postmaster"}:
        return True
    if str(msg.get("Auto-Submitted", "no")).strip().lower() != "no":
        return True
    if str(msg.get("Precedence", "")).strip().lower() in {"bulk", "junk", "list"}:
        return True
    return msg.get_content_type() == "multipart/report"


@register
class EmailAdapter(Adapter):
    kind = "email"
    label = "E-mail"
    mode = "poll"
    config_fields = {
        "address": False,
        "imap_host": False,
        "imap_port": False,
        "imap_user": False,
        "imap_password": True,
        "imap_folder": False,
        "smtp_host": False,
        "smtp_port": False,
        "smtp_security": False,
        "smtp_user": False,
        "smtp_password": True,
        "ca_file": False,
        "after_ingest": False,
        "reply_subject": False,
        "openpgp_key": True,
        "openpgp_password": True,
    }

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__(config)
        self._tsk: Any = None

    # --- handles -------------------------------------------------------------------------

    def normalise_handle(self, handle: str) -> str:
        return split_handle(handle)[0].casefold()

    def display_handle(self, handle: str) -> str:
        address, key = split_handle(handle)
        return f"{address} (OpenPGP)" if key else address

    # --- OpenPGP -------------------------------------------------------------------------

    def _org_key(self) -> Any:
        if self._tsk is None and self.config.get("openpgp_key"):
            import pysequoia

            self._tsk = pysequoia.Tsk.from_bytes(str(self.config["openpgp_key"]).encode())
        return self._tsk

    def _decrypt(self, data: bytes) -> bytes | None:
        tsk = self._org_key()
        if tsk is None or not data:
            return None
        import pysequoia

        try:
            decryptor = tsk.decryptor(self.config.get("openpgp_password") or None)
            return pysequoia.decrypt(data, decryptor=decryptor).bytes
        except Exception:  # noqa: BLE001  (a message we cannot open is still the person's message)
            return None

    @staticmethod
    def _usable_key(data: bytes) -> bytes | None:
        import pysequoia

        try:
            cert = pysequoia.Cert.from_bytes(data)
            pysequoia.encrypt(b"probe", [cert])
        except Exception:  # noqa: BLE001  (a key we cannot encrypt to is no key)
            return None
        return bytes(cert)

    # --- connections ---------------------------------------------------------------------

    def _tls(self) -> ssl.SSLContext:
        ca = self.config.get("ca_file") or None
        return ssl.create_default_context(cafile=ca)

    @contextlib.contextmanager
    def _imap(self) -> Iterator[Any]:
        from imapclient import IMAPClient

        client = IMAPClient(
            self.config["imap_host"],
            port=int(self.config.get("imap_port") or 993),
            ssl=True,
            ssl_context=self._tls(),
            timeout=30,
        )
        try:
            client.login(self.config["imap_user"], self.config["imap_password"])
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    @contextlib.contextmanager
    def _smtp(self) -> Iterator[smtplib.SMTP]:
        host = self.config["smtp_host"]
        security = self.config.get("smtp_security") or "starttls"
        port = int(self.config.get("smtp_port") or (465 if security == "tls" else 587))
        if security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=30, context=self._tls())
        else:
            smtp = smtplib.SMTP(host, port, timeout=30)
        try:
            if security != "tls":
                smtp.starttls(context=self._tls())
            if self.config.get("smtp_user"):
                smtp.login(self.config["smtp_user"], self.config.get("smtp_password") or "")
            yield smtp
        finally:
            with contextlib.suppress(Exception):
                smtp.quit()

    # --- in ------------------------------------------------------------------------------

    def _inbound(self, provider_id: str, raw: bytes, oversized: bool) -> Inbound | None:
        import email as stdlib_email

        msg = stdlib_email.message_from_bytes(raw, policy=email.policy.default)
        address = email.utils.parseaddr(str(msg.get("From", "")))[1]
        if not address or "@" not in address:
            return None
        if _is_automatic(msg, address, str(self.config.get("address", ""))):
            return None
        reader = _Reader(self._decrypt)
        reader.walk(msg)
        keys = [*reader.keys]
        outer_key = _autocrypt_key(msg, address)
        if outer_key:
            keys.append(outer_key)
        usable = next((k for k in (self._usable_key(k) for k in keys) if k), None)
        handle = address + (KEY_MARK + base64.b64encode(usable).decode() if usable else "")
        text = reader.text()
        files = () if oversized else tuple(reader.files)
        return Inbound(
            kind=self.kind,
            provider_id=provider_id,
            sender=handle,
            text=text,
            attachments=files,
            language=language_hint(text, str(msg.get("Content-Language", ""))),
        )

    def poll(self, cursor: str) -> Poll:
        folder = self.config.get("imap_folder") or "INBOX"
        delete = (self.config.get("after_ingest") or "delete") == "delete"
        last_validity, _, last_uid = cursor.partition(":")
        try:
            with self._imap() as imap:
                selected = imap.select_folder(folder, readonly=not delete)
                validity = str(selected[b"UIDVALIDITY"])
                after = int(last_uid) if last_validity == validity and last_uid else 0
                if delete and after:
                    done = [u for u in imap.search(["UID", f"1:{after}"]) if u <= after]
                    if done:
                        imap.delete_messages(done)
                        imap.expunge()
                uids = sorted(u for u in imap.search(["UID", f"{after + 1}:*"]) if u > after)
                uids = uids[:BATCH]
                if not uids:
                    return Poll(messages=[], cursor=f"{validity}:{after}")
                sizes = imap.fetch(uids, ["RFC822.SIZE"])
                small = [u for u in uids if sizes[u][b"RFC822.SIZE"] <= MAX_MESSAGE_BYTES]
                big = [u for u in uids if u not in small]
                fetched = imap.fetch(small, ["BODY.PEEK[]"]) if small else {}
                if big:
                    # The headers and the first part only: the text arrives, the files do not.
                    fetched.update(
                        {
                            u: {b"BODY[]": d[b"BODY[HEADER]"] + d[b"BODY[1]"]}
                            for u, d in imap.fetch(
                                big, ["BODY.PEEK[HEADER]", "BODY.PEEK[1]"]
                            ).items()
                        }
                    )
        except OSError as exc:  # TLS errors and timeouts included
            raise ChannelError(
                gettext_noop("IMAP connection failed (%(error)s)"), error=type(exc).__name__
            ) from None
        except Exception as exc:
            from imapclient.exceptions import IMAPClientError, LoginError

            if isinstance(exc, LoginError):
                raise ChannelError(gettext_noop("the IMAP server refused the login")) from None
            if isinstance(exc, IMAPClientError):
                raise ChannelError(
                    gettext_noop("IMAP error (%(error)s)"), error=type(exc).__name__
                ) from None
            raise
        messages = []
        for uid in uids:
            raw = fetched.get(uid, {}).get(b"BODY[]", b"")
            inbound = self._inbound(f"{validity}:{uid}", raw, uid in big) if raw else None
            if inbound is not None:
                messages.append(inbound)
        skipped = len(uids) - len(messages)
        log.info("e-mail poll: %d message(s), %d passed over", len(messages), skipped)
        return Poll(messages=messages, cursor=f"{validity}:{uids[-1]}")

    # --- out -----------------------------------------------------------------------------

    def _compose(self, to: str, key: bytes | None, text: str, language: str = "") -> Message:
        own = str(self.config["address"])
        domain = own.rpartition("@")[2] or "localhost"
        subject = self.config.get("reply_subject")
        if not subject:
            with translation.override(language or settings.LANGUAGE_CODE):
                subject = gettext("Re: your message")
        tsk = self._org_key()
        msg: Message
        if key is not None:
            import pysequoia

            inner = MIMEText(text, "plain", "utf-8")
            signer = tsk.signer(self.config.get("openpgp_password") or None) if tsk else None
            armored = pysequoia.encrypt(
                inner.as_bytes(), [pysequoia.Cert.from_bytes(key)], signer=signer
            )
            msg = MIMEMultipart("encrypted", protocol="application/pgp-encrypted")
            control = MIMEBase("application", "pgp-encrypted")
            control.set_payload("Version: 1\n")
            control["Content-Description"] = "PGP/MIME version identification"
            body = MIMEBase("application", "octet-stream", name="encrypted.asc")
            body.set_payload(armored.decode("ascii"))
            body.add_header("Content-Disposition", "inline", filename="encrypted.asc")
            msg.attach(control)
            msg.attach(body)
        else:
            msg = EmailMessage()
            msg.set_content(text)
        msg["From"] = own
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = email.utils.formatdate(localtime=False)
        msg["Message-ID"] = email.utils.make_msgid(domain=domain)
        if tsk is not None:
            public = bytes(tsk.extract_certificate())
            # Folded at spaces (Autocrypt's parsers drop whitespace in keydata): an unbroken
            # line of a few kilobytes is refused by SMTP servers (1000 characters at most).
            data = base64.b64encode(public).decode()
            folded = " ".join(data[i : i + 72] for i in range(0, len(data), 72))
            msg["Autocrypt"] = f"addr={own}; keydata={folded}"
        return msg

    def send(self, message: Outbound) -> str:
        to, key = split_handle(message.to)
        if not to or "@" not in to:
            raise PermanentSendError(gettext_noop("not an e-mail address"))
        try:
            mail = self._compose(to, key, message.text, message.language)
        except Exception as exc:  # noqa: BLE001  (a key that fails to encrypt must not send plain)
            raise PermanentSendError(
                gettext_noop("could not encrypt to the person's key (%(error)s)"),
                error=type(exc).__name__,
            ) from None
        try:
            with self._smtp() as smtp:
                # CRLF line ends: smtplib sends bytes as they are, and a server reads lines.
                wire = mail.as_bytes(policy=mail.policy.clone(linesep="\r\n"))
                smtp.sendmail(str(self.config["address"]), [to], wire)
        except smtplib.SMTPRecipientsRefused as exc:
            code = next(iter(exc.recipients.values()))[0] if exc.recipients else 550
            if code >= 500:
                raise PermanentSendError(
                    gettext_noop("the SMTP server refused the recipient (%(code)s)"), code=code
                ) from None
            raise RetryableSendError(
                gettext_noop("the SMTP server deferred the recipient (%(code)s)"), code=code
            ) from None
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            if exc.smtp_code >= 500:
                raise PermanentSendError(
                    gettext_noop("the SMTP server refused the message (%(code)s)"),
                    code=exc.smtp_code,
                ) from None
            raise RetryableSendError(
                gettext_noop("the SMTP server deferred the message (%(code)s)"), code=exc.smtp_code
            ) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise RetryableSendError(
                gettext_noop("the SMTP server refused the login (%(code)s)"), code=exc.smtp_code
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise RetryableSendError(
                gettext_noop("SMTP connection failed (%(error)s)"), error=type(exc).__name__
            ) from None
        log.info("e-mail: reply sent%s", " encrypted" if key else "")
        return str(mail["Message-ID"])

    # --- health --------------------------------------------------------------------------

    def health(self) -> Health:
        try:
            with self._imap() as imap:
                imap.select_folder(self.config.get("imap_folder") or "INBOX", readonly=True)
        except Exception as exc:  # noqa: BLE001
            return Health(False, record(gettext_noop("IMAP: %(error)s"), error=type(exc).__name__))
        try:
            with self._smtp() as smtp:
                smtp.noop()
        except Exception as exc:  # noqa: BLE001
            return Health(False, record(gettext_noop("SMTP: %(error)s"), error=type(exc).__name__))
        if self._org_key() is None:
            return Health(True, record(gettext_noop("IMAP and SMTP answer; no OpenPGP key")))
        return Health(True, record(gettext_noop("IMAP and SMTP answer; OpenPGP key loaded")))
