"""Line-oriented matcher: ``name_a<TAB>name_b`` in, ``score<TAB>decision`` out, same order."""

from __future__ import annotations

import sys
from typing import TextIO

from .match import match_names

_BAD_LINE = "0.0000\t0\n"


def run_match(inp: TextIO, out: TextIO, err: TextIO | None = None) -> int:
    """Score every line; a blank or malformed line yields ``0.0000<TAB>0`` and a warning on
    stderr naming the line, so that output lines stay aligned with input lines. Returns the
    number of malformed lines."""
    err = err if err is not None else sys.stderr
    bad = 0
    for number, line in enumerate(inp, start=1):
        fields = line.rstrip("\r\n").split("\t")
        if len(fields) < 2 or not fields[0].strip() or not fields[1].strip():
            bad += 1
            err.write(f"warning: line {number}: expected name_a<TAB>name_b, skipped\n")
            out.write(_BAD_LINE)
            continue
        result = match_names(fields[0], fields[1])
        out.write(f"{result.score:.4f}\t{int(result.same)}\n")
    return bad
