import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haven.lib.names import name_forms
from haven.lib.redact import KnownPerson, redact

NAMES = [
    "Салех Мусаев",
    "Хадижат Ибрагимова",
    "Zelimkhan Khatuev",
    "Лейла Сайдуллаева",
    "Movsar Edilov",
]
_LETTERS = re.compile(r"[^\W\d_]+")

texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)),
    max_size=200,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, lang=st.sampled_from(["auto", "ru", "en"]))
def test_redact_never_raises_on_arbitrary_text(text, lang):
    result = redact(
        text, lang=lang, known=[KnownPerson(names=(NAMES[0],))], public_figures=["Рамзан Кадыров"]
    )
    for span in result.spans:
        assert text[span.start : span.end] == span.original


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    before=texts,
    after=texts,
    name=st.sampled_from(NAMES),
    part=st.integers(0, 2),
    upper=st.booleans(),
)
def test_a_known_name_never_survives_as_a_word_in_the_output(before, after, name, part, upper):
    form = name if part == 2 else name.split()[part]
    form = form.upper() if upper else form
    text = f"{before} {form} {after}"
    result = redact(text, known=[KnownPerson(names=(name,))])
    words = {w.casefold() for w in _LETTERS.findall(result.text)}
    for piece in name.split():
        assert piece.casefold() not in words


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), name=st.sampled_from(NAMES))
def test_no_case_form_or_transliteration_of_a_known_name_survives(data, name):
    # The names library's own spellings of the name (case forms x transliteration schemes),
    # capitalised as a name is in running text.
    forms = sorted(f for f in name_forms(name) if " " not in f and len(f) >= 3)
    form = data.draw(st.sampled_from(forms)).capitalize()
    text = f"Вчера {form} пришёл к нам. Yesterday {form} came again."
    result = redact(text, known=[KnownPerson(names=(name,))])
    words = {w.casefold() for w in _LETTERS.findall(result.text)}
    assert form.casefold() not in words, (form, result.text)
