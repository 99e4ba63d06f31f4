"""Property: any change to any byte of any file of a bundle is found and named; a bundle built
from any set of files verifies. Pure (no database): `_zip` is the function that writes bundles."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haven.evidence.bundle import _zip, verify_bundle

_names = st.sampled_from(
    [
        "records.json",
        "custody.json",
        "summary.pdf",
        "testimonies/T1.txt",
        "attachments/A1-original.jpg",
    ]
)
_files = st.dictionaries(_names, st.binary(min_size=1, max_size=300), min_size=1)


def _rewrite(data: bytes, change: dict[str, bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name in source.namelist():
            z.writestr(name, change.get(name, source.read(name)))
    return out.getvalue()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(files=_files, data=st.data())
def test_any_changed_byte_in_any_file_is_named(tmp_path: Path, files, data) -> None:  # type: ignore[no-untyped-def]
    bundle, _hashes = _zip(files, {"incident": "EV-TEST"})
    path = tmp_path / "b.zip"
    path.write_bytes(bundle)
    assert verify_bundle(path).ok
    name = data.draw(st.sampled_from(sorted(files)))
    content = bytearray(files[name])
    at = data.draw(st.integers(0, len(content) - 1))
    content[at] ^= data.draw(st.integers(1, 255))
    path.write_bytes(_rewrite(bundle, {name: bytes(content)}))
    result = verify_bundle(path)
    assert not result.ok and result.changed == [name]
    assert result.missing == [] and result.extra == []
