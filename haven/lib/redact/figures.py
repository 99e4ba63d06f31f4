"""The public figures the redactor keeps: the list shipped with Haven plus an installation's own.

Who counts as public is an editorial decision, so it is data an operator can extend, not code;
the shipped list names officials and organisations every testimony of this work mentions."""

from __future__ import annotations

from pathlib import Path

SHIPPED = Path(__file__).with_name("public_figures.txt")


def read_figures(path: Path | str) -> list[str]:
    """One name per line; blank lines and lines starting with # are skipped."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def public_figures(extra: Path | str | None = None) -> list[str]:
    """The shipped list, then the installation's file (if any), without repeats."""
    names = read_figures(SHIPPED) + (read_figures(extra) if extra else [])
    return list(dict.fromkeys(names))
