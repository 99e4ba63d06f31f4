from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from haven.lib.codenames import (
    LANGUAGES,
    codename_entropy_bits,
    generate_codename,
    load_wordlist,
    normalise_codename,
    validate_codename,
)
from haven.lib.codenames.build_wordlists import STOP_EN, STOP_RU_STEMS


def test_each_list_has_at_least_7776_distinct_words_after_normalisation() -> None:
    for lang in LANGUAGES:
        words = load_wordlist(lang)
        assert len(words) >= 7776
        assert len({normalise_codename(w) for w in words}) == len(words)


def test_seven_words_give_at_least_90_bits_in_both_languages() -> None:
    for lang in LANGUAGES:
        assert codename_entropy_bits(lang, 7) >= 90


def test_no_listed_word_touches_a_stop_topic() -> None:
    assert not STOP_EN & set(load_wordlist("en"))
    assert not [w for w in load_wordlist("ru") if any(stem in w for stem in STOP_RU_STEMS)]


@given(lang=st.sampled_from(LANGUAGES), data=st.data())
def test_a_codename_survives_whatever_case_spacing_and_hyphens_a_person_types(
    lang: str, data: st.DataObject
) -> None:
    codename = generate_codename(lang)
    words = codename.split()
    seps = data.draw(
        st.lists(
            st.sampled_from([" ", "  ", "-", " - ", "\t", "\n", ".", "_"]), min_size=6, max_size=6
        )
    )
    typed = words[0] + "".join(s + w for s, w in zip(seps, words[1:], strict=True))
    if data.draw(st.booleans()):
        typed = typed.upper()
    typed = (
        data.draw(st.sampled_from(["", " ", "\n"]))
        + typed
        + data.draw(st.sampled_from(["", "  ", "\n"]))
    )
    assert normalise_codename(typed) == codename
    assert validate_codename(typed).ok


def test_latin_look_alikes_typed_on_a_russian_phone_are_fixed() -> None:
    word = next(w for w in load_wordlist("ru") if set(w) <= set("аеорсхукмтвн"))
    codename = " ".join([word] * 7)
    typed = codename.translate(str.maketrans("аеорсхукмтвн", "aeopcxykmtbh"))
    assert typed != codename
    assert normalise_codename(typed) == codename


def test_yo_is_the_same_as_ye() -> None:
    assert normalise_codename("Ёлка ЁЖИК") == "елка ежик"


def test_a_mistyped_word_gets_a_suggestion_and_its_position() -> None:
    codename = generate_codename("en").split()
    wrong = codename[3][:-1] + ("x" if codename[3][-1] != "x" else "y")
    check = validate_codename(" ".join([*codename[:3], wrong, *codename[4:]]))
    assert not check.ok
    assert check.unknown and check.unknown[0][0] == 4


def test_too_few_words_is_not_a_codename() -> None:
    check = validate_codename(" ".join(generate_codename("ru").split()[:5]))
    assert not check.ok and check.wrong_count


def test_grim_words_are_never_drawn_but_still_accepted_in_codenames_already_issued() -> None:
    from haven.lib.codenames import (
        codename_entropy_bits,
        drawable,
        generate_codename,
        load_wordlist,
        never_drawn,
        validate_codename,
    )

    grim = never_drawn()
    assert {"famine", "пуля", "облава"} <= grim
    for lang in ("en", "ru"):
        assert grim & set(load_wordlist(lang))  # still in the accepted vocabulary
        assert not grim & set(drawable(lang))
        assert codename_entropy_bits(lang) >= 90
        for _ in range(300):
            assert not grim & set(generate_codename(lang).split())
    issued = "famine " + " ".join(load_wordlist("en")[:6])
    assert validate_codename(issued).ok
