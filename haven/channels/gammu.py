"""SMS through a GSM modem on the server, driven by Debian's gammu-smsd with its `files` service
backend (gammu-smsd-files(7)): the daemon writes every received SMS into its inbox folder and
sends every file placed in its outbox folder. Haven and the daemon share nothing but the spool
folders (`spool`: Debian's /var/spool/gammu with inbox/, outbox/, sent/ and error/).

In: `IN<date>_<time>_<serial>_<sender>_<part>.txt`, one file per part of a message
(`InboxFormat = unicode`, the default: a UTF-16 byte-order mark and the text; `standard` is
read as UTF-8). The parts of one message share everything but `<part>` and are joined in order.
gammu writes a file in place (no temporary name), so a group is taken only once its newest part
is SETTLE_SECONDS old. A poll renames the groups it hands out to `.haven-<token>-<name>` and
answers `<token>` as its cursor; the gateway stores the cursor only after every message of the
batch is committed, so the next poll deletes the files of the stored token and hands out any
other claimed ones again (a crash in between: ingest dedupes them). The provider id is the file
group's name with a digest of its content: gammu may reuse a name once the file is gone.

Out: the text, UTF-16 with a byte-order mark, written under a hidden temporary name (the
daemon skips names starting with a dot) and renamed to
`OUTA<date>_<time>_00_<number>_haven<token>.txt`; `haven<token>` is the provider id. After
transmitting, gammu moves the file to sent/ (deleted here: the reply stays "sent") or, when it
failed, to error/ (reported as failed, like an SMS gateway's `sms:failed`, then deleted).

The spool holds handles and texts in plaintext while a message passes through it: files are
deleted as soon as they are committed, and docs/intake.md asks for the spool on tmpfs and for
gammu-smsd without a log file (it logs numbers).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_noop

from haven.channels.adapters import (
    Adapter,
    Health,
    Inbound,
    Outbound,
    PermanentSendError,
    Poll,
    RetryableSendError,
    normalise_phone,
    register,
)
from haven.channels.problems import record

DEFAULT_SPOOL = "/var/spool/gammu"
# gammu-smsd writes an inbox file in place and the parts of a long message one after another
# in one go: a group whose newest part is this old is complete.
SETTLE_SECONDS = 1.0
# Message groups per poll: what a crash between the poll and the commit hands out again.
BATCH = 20
# A reply of ours still in the outbox after this long: the daemon is not sending.
STUCK_AFTER = dt.timedelta(minutes=10)

_INBOX_NAME = re.compile(r"^IN(\d{8})_(\d{6})_(\d{2})_(.*)_(\d{2})\.(txt|bin)$")
_CLAIMED = re.compile(r"^\.haven-([0-9a-f]{16})-(IN.*)$")
_OURS = re.compile(r"^(?:\.haven-([0-9a-f]{16})-)?(OUT.*_(haven[0-9a-f]{16})\.txt)$")
# What gammu accepts as a recipient in a file name: no "_" (it splits on it), no ".".
_NUMBER = re.compile(r"^\+?[0-9]{3,20}$")


def _decode(data: bytes) -> str:
    if data[:2] == b"\xfe\xff":
        text = data[2:].decode("utf-16-be", errors="replace")
    elif data[:2] == b"\xff\xfe":
        text = data[2:].decode("utf-16-le", errors="replace")
    else:
        text = data.decode("utf-8", errors="replace")
    # gammu pads a unicode inbox file with NULs after the text.
    return text.replace("\x00", "")


@register
class GammuSmsdAdapter(Adapter):
    kind = "gammu"
    label = "SMS"
    mode = "poll"
    config_fields = {"spool": False}
    handle_space = "sms"

    # Replies gammu-smsd moved to error/ since the last poll: (provider id, failed?)
    reports: list[tuple[str, bool]]

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__(config)
        self.reports = []
        spool = Path(self.config.get("spool") or DEFAULT_SPOOL)
        self.inbox, self.outbox = spool / "inbox", spool / "outbox"
        self.sent, self.error = spool / "sent", spool / "error"
        self.settle = float(self.config.get("settle_seconds", SETTLE_SECONDS))

    def normalise_handle(self, handle: str) -> str:
        return normalise_phone(handle)

    # --- out ----------------------------------------------------------------------------

    def send(self, message: Outbound) -> str:
        number = re.sub(r"[\s()-]", "", message.to)
        if not _NUMBER.match(number):
            raise PermanentSendError(gettext_noop("the recipient is not a phone number"))
        token = "haven" + secrets.token_hex(8)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d_%H%M%S")
        temporary = self.outbox / f".{token}.tmp"
        try:
            with temporary.open("xb") as out:
                out.write(b"\xfe\xff" + message.text.encode("utf-16-be"))
                out.flush()
                os.fsync(out.fileno())
            # The daemon sees the file only under its final name, whole.
            temporary.rename(self.outbox / f"OUTA{stamp}_00_{number}_{token}.txt")
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise RetryableSendError(
                gettext_noop("the gammu-smsd outbox could not be written (%(error)s)"),
                error=type(exc).__name__,
            ) from None
        return token

    def _collect_reports(self, cursor: str, token: str) -> None:
        """Replies of ours that gammu-smsd is done with: sent/ ones are deleted at once (they
        are already "sent"); error/ ones are claimed under the new cursor like inbox files,
        reported as failed, and deleted once that cursor is stored."""
        for name in _listing(self.sent):
            if _OURS.match(name):
                (self.sent / name).unlink(missing_ok=True)
        for name in _listing(self.error):
            found = _OURS.match(name)
            if found is None:
                continue
            claimed, original, provider_id = found.groups()
            if claimed == cursor and cursor:
                (self.error / name).unlink(missing_ok=True)  # its report is committed
            elif _rename(self.error / name, self.error / f".haven-{token}-{original}"):
                self.reports.append((provider_id, True))

    # --- in -----------------------------------------------------------------------------

    def poll(self, cursor: str) -> Poll:
        try:
            names = _listing(self.inbox, strict=True)
        except OSError as exc:
            raise RetryableSendError(
                gettext_noop("the gammu-smsd inbox could not be read (%(error)s)"),
                error=type(exc).__name__,
            ) from None
        token = secrets.token_hex(8)
        groups: dict[tuple[str, ...], dict[int, str]] = {}
        newest: dict[tuple[str, ...], float] = {}
        now = time.time()
        for name in names:
            claimed = _CLAIMED.match(name)
            if claimed and cursor and claimed.group(1) == cursor:
                (self.inbox / name).unlink(missing_ok=True)  # committed
                continue
            original = claimed.group(2) if claimed else name
            parsed = _INBOX_NAME.match(original)
            if parsed is None:
                continue
            try:
                mtime = (self.inbox / name).stat().st_mtime
            except FileNotFoundError:
                continue
            date, clock, serial, sender, part, ext = parsed.groups()
            key: tuple[str, ...] = (date, clock, serial, sender, ext)
            groups.setdefault(key, {})[int(part)] = name
            newest[key] = max(newest.get(key, 0.0), mtime)
        messages = []
        for group in sorted(groups)[:BATCH]:
            if now - newest[group] < self.settle:
                continue  # gammu may still be writing it
            message = self._take(group, groups[group], token)
            if message is not None:
                messages.append(message)
        self._collect_reports(cursor, token)
        return Poll(messages, token)

    def _take(self, key: tuple[str, ...], parts: dict[int, str], token: str) -> Inbound | None:
        date, clock, serial, sender, ext = key
        content = b""
        texts = []
        received = None
        for number in sorted(parts):
            name = parts[number]
            original = _CLAIMED.match(name)
            claimed_name = f".haven-{token}-{original.group(2) if original else name}"
            path = self.inbox / claimed_name
            if not _rename(self.inbox / name, path):
                return None  # another gateway took it
            try:
                data = path.read_bytes()
                if received is None:
                    received = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
            except FileNotFoundError:
                return None
            content += data
            texts.append(_decode(data))
        if ext != "txt":
            return None  # an 8-bit message (a WAP push, a SIM update): nothing a person wrote
        digest = hashlib.sha256(content).hexdigest()[:32]
        return Inbound(
            kind=self.kind,
            provider_id=f"IN{date}_{clock}_{serial}_{sender}:{digest}",
            # gammu writes "*" of a service number as "X" in a file name.
            sender=sender.replace("X", "*"),
            text="".join(texts),
            received_at=received,
        )

    # --- health -------------------------------------------------------------------------

    def health(self) -> Health:
        for folder in (self.inbox, self.outbox, self.sent, self.error):
            if not folder.is_dir() or not os.access(folder, os.R_OK | os.W_OK | os.X_OK):
                return Health(
                    False,
                    record(
                        gettext_noop("spool folder %(folder)s/ missing or not writable"),
                        folder=folder.name,
                    ),
                )
        waiting = [
            (self.outbox / name).stat().st_mtime
            for name in _listing(self.outbox)
            if _OURS.match(name)
        ]
        if waiting:
            age = dt.timedelta(seconds=time.time() - min(waiting))
            if age > STUCK_AFTER:
                return Health(
                    False,
                    record(
                        gettext_noop(
                            "replies waiting in the outbox: %(count)s, the oldest for %(minutes)s "
                            "min: is gammu-smsd running?"
                        ),
                        count=len(waiting),
                        minutes=int(age.total_seconds() // 60),
                    ),
                )
        return Health(
            True,
            record(
                gettext_noop("spool ready, replies in the outbox: %(count)s"), count=len(waiting)
            ),
        )


def _listing(folder: Path, *, strict: bool = False) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        if strict:
            raise
        return []


def _rename(source: Path, target: Path) -> bool:
    if source == target:
        return True
    try:
        source.rename(target)
    except FileNotFoundError:
        return False
    return True
