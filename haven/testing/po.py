"""A small reader of gettext catalogues, enough to check that Russian is complete."""

from __future__ import annotations

import ast
from pathlib import Path


def entries(po: Path) -> list[tuple[str, list[str], bool]]:
    """(msgid, msgstrs, fuzzy) for every entry but the header."""
    out = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        current, msgid, msgstrs = None, "", []
        for line in lines:
            if line.startswith("#"):
                continue
            if line.startswith("msgid "):
                current, msgid = "id", ast.literal_eval(line[6:])
            elif line.startswith("msgid_plural "):
                current = "plural"
            elif line.startswith("msgstr"):
                current = "str"
                msgstrs.append(ast.literal_eval(line.split(" ", 1)[1]))
            elif line.startswith('"'):
                value = ast.literal_eval(line)
                if current == "id":
                    msgid += value
                elif current == "str":
                    msgstrs[-1] += value
        if msgid:
            out.append((msgid, msgstrs, fuzzy))
    return out


def incomplete_entries(po: Path) -> list[str]:
    return [
        msgid
        for msgid, msgstrs, fuzzy in entries(po)
        if fuzzy or not msgstrs or any(not s for s in msgstrs)
    ]
