"""Watching the files nginx and gunicorn hold open: a temporary file is unlinked at once but
stays readable through /proc/PID/fd."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path


def _group(pgids: list[int]) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()
        if len(fields) > 2 and int(fields[2]) in pgids:
            pids.append(int(entry))
    return pids


class OpenFileWatch(threading.Thread):
    """Reads every file that the servers hold open under the watched folders, deleted or not."""

    def __init__(self, pgids: list[int], watched: dict[str, Path], marker: bytes) -> None:
        super().__init__(daemon=True)
        self.pgids, self.watched, self.marker = pgids, watched, marker
        self.found: set[str] = set()
        self.halt = threading.Event()
        self._sizes: dict[tuple[int, str], int] = {}

    def run(self) -> None:
        while not self.halt.is_set():
            for pid in _group(self.pgids):
                self._look(pid)
            time.sleep(0.01)

    def _look(self, pid: int) -> None:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            return
        for fd in fds:
            link = f"/proc/{pid}/fd/{fd}"
            try:
                target = os.readlink(link).removesuffix(" (deleted)")
                size = os.stat(link).st_size
            except OSError:
                continue
            for label, folder in self.watched.items():
                if not target.startswith(f"{folder}/"):
                    continue
                key = (pid, target)
                if self._sizes.get(key) == size:
                    continue
                self._sizes[key] = size
                try:
                    with open(link, "rb") as f:
                        content = f.read()
                except OSError:
                    continue
                if self.marker in content:
                    self.found.add(f"{label}: open file {Path(target).name}")

    def wait_for(self, label: str, seconds: float) -> None:
        """Hold a transfer until the marker shows up under `label`, or `seconds` pass."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if any(f.startswith(label) for f in self.found):
                return
            time.sleep(0.02)
