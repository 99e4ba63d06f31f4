from __future__ import annotations

import subprocess
import sys


def test_haven_names_match_scores_pairs_in_order(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(
        "Исаев Ислам\tIslam Isayev\nИсаев Ислам\tИсаева Мадина\nonly one column\n", encoding="utf-8"
    )
    out = subprocess.run(
        [sys.executable, "-m", "haven.cli", "names", "match", str(pairs)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert [line.split("\t")[1] for line in lines] == ["1", "0", "0"]
    assert "Traceback" not in out.stderr
