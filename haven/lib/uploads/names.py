"""Names to keep a file under, and the name it was sent with as a person may read it."""

from __future__ import annotations

import re
import unicodedata

from haven.lib.uploads.codes import EXTENSIONS

_WINDOWS_RESERVED = (
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)
_UNSAFE_CHARS = re.compile(r"[^\w.\-]+", re.UNICODE)


def safe_filename(name: str, kind: str | None, *, max_length: int = 100) -> str:
    """A name safe to show and to use as a download name: no folders, no control or bidi
    characters, no leading dots, a bounded length, and the extension of the detected type."""
    if not isinstance(name, str):
        name = ""
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFKC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    stem = _UNSAFE_CHARS.sub("_", stem).strip(" ._-")
    stem = re.sub(r"_{2,}", "_", stem)
    if not stem or stem.lower() in _WINDOWS_RESERVED:
        stem = f"file_{stem}" if stem else "file"
    extension = EXTENSIONS.get(kind or "", "bin")
    return f"{stem[: max_length - len(extension) - 1]}.{extension}"


def sent_name(name: str, *, max_length: int = 100) -> str:
    """The file's name as the person sent it, safe to show in an error: no folders, no control or
    bidi characters, bounded, but with the extension they gave it. An error must name the file
    they chose ("evil.jpg"), not the type we found inside it ("evil.html"), or they cannot tell
    which of their files is meant."""
    if not isinstance(name, str):
        name = ""
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFKC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    if len(base) > max_length:
        base = base[: max_length - 1] + "…"
    return base or safe_filename(name, None)
