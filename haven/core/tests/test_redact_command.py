from __future__ import annotations

import subprocess
import sys


def test_haven_redact_removes_a_person_and_keeps_a_public_figure(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = tmp_path / "t.txt"
    text.write_text(
        "Меня задержали вместе с Салехом Магамадовым. Кадыров знал.\n", encoding="utf-8"
    )
    figures = tmp_path / "pf.txt"
    figures.write_text("Кадыров\n", encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "haven.cli", "redact", "--public-figures", str(figures), str(text)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "Салех" not in out.stdout and "[PERSON 1]" in out.stdout and "Кадыров" in out.stdout


def test_haven_redact_rejects_an_unknown_language_with_a_message(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = tmp_path / "t.txt"
    text.write_text("x", encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "haven.cli", "redact", "--lang", "xx", str(text)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (
        out.returncode == 2 and "unknown language" in out.stderr and "Traceback" not in out.stderr
    )
