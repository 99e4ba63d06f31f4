"""The start-up check that refuses to run when WeasyPrint could not render an export's PDF."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from haven.evidence import checks


def _without_pango(monkeypatch: pytest.MonkeyPatch) -> None:
    real_load = checks._load

    def load(name: str) -> object:
        if "pango" in name:
            raise OSError(f"cannot load library '{name}'")
        return real_load(name)

    monkeypatch.setattr(checks, "_load", load)


def test_the_check_passes_where_pango_is_installed() -> None:
    assert checks.pdf_libraries(None) == []


def test_the_check_names_the_missing_packages_when_pango_cannot_be_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _without_pango(monkeypatch)

    [error] = checks.pdf_libraries(None)

    assert error.id == "haven.E070"
    assert "libpango-1.0-0" in error.msg
    assert "libpangoft2-1.0-0" in error.msg
    assert "libharfbuzz0b" not in error.msg
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0" in (error.hint or "")


@pytest.mark.django_db  # other apps' checks read the database
def test_haven_check_fails_at_start_up_without_pango(monkeypatch: pytest.MonkeyPatch) -> None:
    _without_pango(monkeypatch)

    with pytest.raises(SystemCheckError, match="haven.E070"):
        call_command("check")


def test_the_check_opens_every_library_weasyprint_cannot_do_without() -> None:
    # Read, not imported: WeasyPrint's own loader list, so that an upgrade that needs one more
    # library fails here rather than at the first export.
    spec = importlib.util.find_spec("weasyprint")
    assert spec is not None and spec.origin is not None
    source = (Path(spec.origin).parent / "text" / "ffi.py").read_text()
    calls = re.findall(r"_dlopen\(\s*ffi,(.*?)\)", source, flags=re.S)
    required = {
        soname
        for call in calls
        if "allow_fail=True" not in call
        for soname in re.findall(r"'(lib[\w.+-]+\.so\.\d+)'", call)
    }

    assert required == {names[0] for _, names in checks.REQUIRED_LIBRARIES}
