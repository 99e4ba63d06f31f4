"""The `haven` console script: Django's management commands under one name.

haven demo            set up and serve the demo (SQLite under ./var unless DATABASE_URL)
haven demo-code USER  the current two-factor code of a demo account
haven audit verify    check the audit hash chain
haven <command> ...   any other management command (migrate, worker, exposure, ...)
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
    from django.core.management import execute_from_command_line

    from haven.lib.private_data import start_private

    args = list(sys.argv if argv is None else argv)
    args[0] = "haven"
    start_private(args[1] if len(args) > 1 else None)
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
