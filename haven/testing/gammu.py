"""A real gammu-smsd for the tests: Debian's daemon with the `files` backend and gammu's dummy
phone driver (`model = dummy`, `connection = none`, `device = <folder>`: a fake phone on the
file system). An SMS "arrives" when a file in gammu's smsbackup format is dropped into the
dummy phone's sms/1/ folder; the daemon then writes it into the spool's inbox/, and sends (to
nobody: the dummy phone only notes it) whatever is placed in outbox/, moving it to sent/.

    with gammu_smsd() as smsd:
        smsd.receive("+79001234567", "Помогите!")
        smsd.wait_for(smsd.spool / "inbox")
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

GAMMU_SMSD = shutil.which("gammu-smsd") or "/usr/bin/gammu-smsd"

_SMSDRC = """\
[gammu]
model = dummy
connection = none
device = {root}/phone/

[smsd]
service = files
commtimeout = 1
receivefrequency = 1
statusfrequency = 0
loopsleep = 1
checksecurity = 0
checkbattery = 0
checksignal = 0
checknetwork = 0
inboxformat = unicode
transmitformat = auto
inboxpath = {root}/spool/inbox/
outboxpath = {root}/spool/outbox/
sentsmspath = {root}/spool/sent/
errorsmspath = {root}/spool/error/
"""


@dataclass
class GammuSmsd:
    root: Path
    process: subprocess.Popen[bytes]
    count: int = 0

    @property
    def spool(self) -> Path:
        return self.root / "spool"

    def receive(self, number: str, text: str) -> None:
        """An SMS from `number` arrives at the dummy phone (written whole, then renamed in)."""
        self.count += 1
        body = (
            "[SMSBackup000]\n"
            'SMSC = "+79000000000"\n'
            "State = UnRead\n"
            f'Number = "{number}"\n'
            "Coding = Unicode\n"
            "Folder = 1\n"
            "PDU = Deliver\n"
            f"DateTime = 20261203T1200{self.count % 60:02d}\n"
            f"Text00 = {text.encode('utf-16-be').hex()}\n"
        )
        folder = self.root / "phone" / "sms" / "1"
        temporary = self.root / f"incoming-{self.count}"
        temporary.write_text(body)
        temporary.rename(folder / str(self.count))

    def wait_for(self, folder: Path, *, pattern: str = "*", timeout: float = 15.0) -> list[Path]:
        """The daemon works on its own clock (one-second loop): wait until it has done it."""
        deadline = time.monotonic() + timeout
        while True:
            found = sorted(folder.glob(pattern))
            if found:
                return found
            if self.process.poll() is not None:
                raise RuntimeError(f"gammu-smsd exited with {self.process.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing in {folder.name}/ after {timeout} s")
            time.sleep(0.05)


def available() -> bool:
    return Path(GAMMU_SMSD).exists()


@contextlib.contextmanager
def gammu_smsd() -> Iterator[GammuSmsd]:
    if not available():
        raise RuntimeError(f"{GAMMU_SMSD} not found: apt-get install gammu-smsd gammu")
    root = Path(tempfile.mkdtemp(prefix="haven-gammu-"))
    for folder in ("phone/sms/1", "phone/sms/2", "phone/sms/3", "phone/sms/4", "phone/sms/5"):
        (root / folder).mkdir(parents=True)
    for folder in ("inbox", "outbox", "sent", "error"):
        (root / "spool" / folder).mkdir(parents=True)
    config = root / "smsdrc"
    config.write_text(_SMSDRC.format(root=root))
    # No log file: gammu-smsd logs numbers (docs/intake.md says so for a real modem too).
    process = subprocess.Popen(
        [GAMMU_SMSD, "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield GammuSmsd(root=root, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)
