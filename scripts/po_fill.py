"""Fill Russian msgstrs from a JSON object {msgid: translation} (plural: a list of 3 forms).

    uv run python scripts/po_fill.py translations.json [haven/APP/locale/ru/LC_MESSAGES/django.po ...]

Only empty or fuzzy entries are filled; then run scripts/messages to compile.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path


def _quote(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def _is_translated(block: str) -> bool:
    """An entry that already has every msgstr filled and is not fuzzy is never overwritten: the
    same English msgid can mean different things in two apps ("Open": a filter, a link)."""
    if re.search(r"^#,.*fuzzy", block, re.M):
        return False
    values = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block, re.M)
    return bool(values) and all(
        "".join(json.loads(x) for x in re.findall(r'"(?:[^"\\]|\\.)*"', v)) for v in values
    )


def fill(po: Path, table: dict[str, object]) -> int:
    blocks = po.read_text(encoding="utf-8").split("\n\n")
    filled = 0
    for i, block in enumerate(blocks):
        m = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        if not m:
            continue
        msgid = "".join(json.loads(x) for x in re.findall(r'"(?:[^"\\]|\\.)*"', m.group(1)))
        if not msgid or msgid not in table:
            continue
        if _is_translated(block):
            continue
        value = table[msgid]
        head = block.split("\nmsgstr", 1)[0]
        head = "\n".join(
            line for line in head.splitlines() if not (line.startswith("#,") and "fuzzy" in line)
        )
        head = re.sub(r"^#\| .*\n?", "", head, flags=re.M)
        if isinstance(value, list):
            forms = "\n".join(f"msgstr[{n}] {_quote(v)}" for n, v in enumerate(value))
            blocks[i] = f"{head}\n{forms}"
        else:
            blocks[i] = f"{head}\nmsgstr {_quote(str(value))}"
        filled += 1
    po.write_text("\n\n".join(blocks), encoding="utf-8")
    return filled


def main() -> None:
    table = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    files = [Path(p) for p in sys.argv[2:]] or sorted(
        Path("haven").glob("*/locale/ru/LC_MESSAGES/django.po")
    )
    for po in files:
        print(f"{po}: {fill(po, table)} filled")


if __name__ == "__main__":
    main()
