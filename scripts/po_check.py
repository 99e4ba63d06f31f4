"""List untranslated or fuzzy Russian entries in every app's catalogue (exit 1 if any)."""

from __future__ import annotations

import sys
from pathlib import Path

from haven.testing.po import incomplete_entries

bad = 0
for po in sorted(Path("haven").glob("*/locale/ru/LC_MESSAGES/django.po")):
    for msgid in incomplete_entries(po):
        print(f"{po}: untranslated: {msgid!r}")
        bad += 1
sys.exit(1 if bad else 0)
