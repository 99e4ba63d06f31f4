"""A start-up check that evidence bundles can be rendered.

WeasyPrint (the readable PDF summary in every court, UN, NGO and publication bundle) loads Pango
and its companions from the system when it is first imported. Without them the first export fails
with an import error, possibly on the day a court asks; this check says so at `haven check` and at
every start instead. It opens the libraries the way WeasyPrint does (cffi's dlopen) rather than
importing WeasyPrint, which takes seconds and would slow down every management command.
"""

from __future__ import annotations

from typing import Any

import cffi
from django.core.checks import Error, register

# The libraries weasyprint/text/ffi.py cannot do without, by the Debian package that ships each,
# with the names it tries on Linux (the soname first; the bare name goes through find_library).
REQUIRED_LIBRARIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("libglib2.0-0", ("libgobject-2.0.so.0", "gobject-2.0")),
    ("libpango-1.0-0", ("libpango-1.0.so.0", "pango-1.0")),
    ("libharfbuzz0b", ("libharfbuzz.so.0", "harfbuzz")),
    ("libfontconfig1", ("libfontconfig.so.1", "fontconfig")),
    ("libpangoft2-1.0-0", ("libpangoft2-1.0.so.0", "pangoft2-1.0")),
)
INSTALL_HINT = (
    "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"
)


def _load(name: str) -> object:
    return cffi.FFI().dlopen(name)


def _loads(names: tuple[str, ...]) -> bool:
    for name in names:
        try:
            _load(name)
        except OSError:
            continue
        return True
    return False


@register()
def pdf_libraries(app_configs: Any, **kwargs: Any) -> list[Error]:
    missing = [package for package, names in REQUIRED_LIBRARIES if not _loads(names)]
    if not missing:
        return []
    return [
        Error(
            f"WeasyPrint cannot load {', '.join(missing)}: evidence exports (the PDF summary of "
            "every court, UN, NGO and publication bundle) would fail.",
            hint=INSTALL_HINT,
            id="haven.E070",
        )
    ]
