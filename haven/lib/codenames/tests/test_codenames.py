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


# Words a frightened person reported receiving (issue 13), and roots of the topics no codename
# may touch: police and security services, prison, killing and death, weapons, drugs. A root is a
# prefix; the few innocent words that share one are named.
REPORTED = (
    "палач каратель омоновец конвоир чекист мент наркоман катафалк снайпер жандарм диктатор боевик"
).split()
TOPIC_ROOTS = {
    "ru": "палач карател омонов конвоир чекист наркоман наркот нарком катафалк снайпер жандарм "
    "диктатор боевик бандит изолятор карцер расстрел пыт тюрем убий труп гроб кладбищ оруж "
    "взрыв героин кокаин шприц суицид спецназ силовик зачистк автозак узник".split(),
    "en": "kill murder prison jail police gun bomb drug corpse coffin grave suicide torture rape "
    "execut hostage slave terror weapon wound blood dead death die".split(),
}
INNOCENT = {"героиня", "gravel", "graveness"}


def test_no_word_on_the_stop_list_can_be_drawn_and_every_stop_word_is_a_real_list_word() -> None:
    from haven.lib.codenames import drawable, never_drawn

    stop = never_drawn()
    listed = set(load_wordlist("ru")) | set(load_wordlist("en"))
    assert stop <= listed  # a stop word outside the lists would be a typo, stopping nothing
    for lang in LANGUAGES:
        assert not stop & set(drawable(lang))
    assert set(REPORTED) <= stop
    for word in REPORTED:
        assert word not in drawable("ru")


def test_no_drawable_word_starts_with_a_stop_topic_root() -> None:
    from haven.lib.codenames import drawable

    for lang, roots in TOPIC_ROOTS.items():
        found = [w for w in drawable(lang) for r in roots if w.startswith(r) and w not in INNOCENT]
        assert found == [], lang


def test_the_lists_left_after_the_stop_list_still_give_at_least_90_bits() -> None:
    import math

    from haven.lib.codenames import WORDS, drawable

    for lang in LANGUAGES:
        assert WORDS * math.log2(len(drawable(lang))) >= 90, lang
        assert codename_entropy_bits(lang) >= 90
