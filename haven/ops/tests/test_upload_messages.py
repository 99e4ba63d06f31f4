from __future__ import annotations

from django.utils import translation

from haven.lib import uploads
from haven.lib.uploads import UploadVerdict
from haven.ops.uploads import MESSAGES, problem_messages


def test_every_upload_problem_has_a_message() -> None:
    assert set(MESSAGES) == set(uploads.PROBLEMS)


def test_upload_problems_are_told_in_russian() -> None:
    verdict = UploadVerdict("zip", "a.zip", (uploads.ZIP_BOMB, uploads.POLYGLOT))
    with translation.override("en"):
        english = problem_messages(verdict)
    with translation.override("ru"):
        russian = problem_messages(verdict)
    assert len(russian) == 2 and all(r != e for r, e in zip(russian, english, strict=True))
