"""`haven redact` — propose redactions for a testimony file from the command line.

    haven redact [--lang ru|en|auto] [--known FILE] [--public-figures FILE] [--redact-places]
                 [--json] INPUT

INPUT is a UTF-8 text file, or `-` for standard input.

--known FILE: one linked person per line, their identifiers separated by `|`:

    Салех Мусаев | Saleh Musaev | Салик | +7 928 123-45-67 | saleh@example.org | @salekh_95

An item with `@` inside is an e-mail, one starting with `@` or `t.me/` a handle, one made of
digits and `+ ( ) -` a phone; a multi-word item is a full name and a single word an alias.
Blank lines and lines starting with `#` are ignored.

--public-figures FILE: one name per line (officials, perpetrators, journalists, organisations)
that stay in the text in any form.

Exit status: 0 on success, 2 on bad usage or unreadable input (a message on stderr, never a
traceback).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import IO

from .engine import LANGS, redact
from .model import KnownPerson


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse would print and sys.exit(2) itself; raising keeps run() pure and testable.
        raise _UsageError(message)


def _parser() -> _Parser:
    p = _Parser(prog="haven redact", description="Propose redactions for a testimony.")
    p.add_argument("--lang", default="auto", help="ru, en or auto (default: auto)")
    p.add_argument(
        "--known", metavar="FILE", help="linked persons, one per line, forms separated by |"
    )
    p.add_argument("--public-figures", metavar="FILE", help="names to keep, one per line")
    p.add_argument("--redact-places", action="store_true", help="also redact towns and cities")
    p.add_argument("--json", action="store_true", help='write {"text": …, "redactions": […]}')
    p.add_argument("input", metavar="INPUT", help="a UTF-8 text file, or - for standard input")
    return p


def _read_text(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _UsageError(f"{what} not found: {path}") from None
    except IsADirectoryError:
        raise _UsageError(f"{what} is a directory, not a file: {path}") from None
    except UnicodeDecodeError:
        raise _UsageError(f"{what} is not UTF-8 text: {path}") from None
    except OSError as exc:
        raise _UsageError(f"cannot read {what} {path}: {exc.strerror}") from None


def _lines(text: str) -> list[str]:
    return [
        ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")
    ]


def parse_known(text: str) -> list[KnownPerson]:
    people = []
    for line in _lines(text):
        names, aliases, phones, emails, handles = [], [], [], [], []
        for item in (i.strip() for i in line.split("|")):
            if not item:
                continue
            if item.startswith("@") or item.lower().startswith(("t.me/", "https://t.me/")):
                handles.append(item.rsplit("/", 1)[-1])
            elif "@" in item:
                emails.append(item)
            elif re.fullmatch(r"[+\d\s()\-.]{7,}", item):
                phones.append(item)
            elif len(item.split()) > 1:
                names.append(item)
            else:
                aliases.append(item)
        people.append(
            KnownPerson(tuple(names), tuple(aliases), tuple(phones), tuple(emails), tuple(handles))
        )
    return people


def run(argv: list[str], stdin: IO[str], stdout: IO[str], stderr: IO[str]) -> int:
    try:
        args = _parser().parse_args(argv)
        if args.lang not in LANGS:
            raise _UsageError(f"unknown language {args.lang!r}: use one of {', '.join(LANGS)}")
        known = parse_known(_read_text(args.known, "known-persons file")) if args.known else []
        figures = (
            _lines(_read_text(args.public_figures, "public-figures file"))
            if args.public_figures
            else []
        )
        if args.input == "-":
            try:
                text = stdin.read()
            except UnicodeDecodeError:
                raise _UsageError("standard input is not UTF-8 text") from None
        else:
            text = _read_text(args.input, "input file")
    except _UsageError as exc:
        stderr.write(f"haven redact: error: {exc}\n")
        return 2
    result = redact(
        text, lang=args.lang, known=known, public_figures=figures, redact_places=args.redact_places
    )
    if args.json:
        json.dump(result.as_dict(), stdout, ensure_ascii=False, indent=2)
        stdout.write("\n")
    else:
        stdout.write(result.text)
    return 0


def main() -> int:  # pragma: no cover - thin shell entry point
    import sys

    return run(sys.argv[1:], sys.stdin, sys.stdout, sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
