"""Progress bars for the operator, on standard error and only on a terminal."""

from __future__ import annotations

import hashlib
import io
import sys
from typing import IO, Any


def _progress(total: int, label: str, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit="B",
        unit_scale=True,
        desc=label,
        file=sys.stderr,
        disable=not (enabled and sys.stderr.isatty()),
        leave=False,
    )


class _Counting(io.RawIOBase):
    """Hashes and counts what passes through, and moves the progress bar."""

    def __init__(self, source: IO[bytes], bar: Any) -> None:
        self.source, self.bar = source, bar
        self.sha = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.source.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.sha.update(data)
        self.size += n
        self.bar.update(n)
        return n
