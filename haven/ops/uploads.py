"""Translated messages for the problem codes of haven.lib.uploads (which stays free of Django)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from haven.lib import uploads
from haven.lib.uploads import UploadVerdict

MESSAGES = {
    uploads.TOO_LARGE: _("This file is too large."),
    uploads.EMPTY: _("This file is empty."),
    uploads.UNKNOWN_TYPE: _("This kind of file cannot be accepted."),
    uploads.TYPE_NOT_ALLOWED: _("This kind of file cannot be accepted here."),
    uploads.CORRUPT: _("This file is damaged or incomplete."),
    uploads.POLYGLOT: _("This file hides other content inside it and cannot be accepted."),
    uploads.IMAGE_TOO_LARGE: _("This picture has too many pixels. Please send a smaller one."),
    uploads.ZIP_BOMB: _("This archive unpacks to far more than its size and cannot be accepted."),
    uploads.NESTED_ARCHIVE: _("Archives inside archives cannot be accepted."),
    uploads.ENCRYPTED_ARCHIVE: _("Password-protected archives cannot be accepted."),
    uploads.UNREADABLE: _("The file could not be read. Please try again."),
}


def problem_messages(verdict: UploadVerdict) -> list[str]:
    return [str(MESSAGES.get(code, MESSAGES[uploads.CORRUPT])) for code in verdict.problems]
