"""Regular-shape identifiers: phones, e-mails, handles, dates of birth, documents, addresses.

Each finder yields `Found(start, end, key, reason)`; `key` is a normalised value so that the same
phone written two ways gets one placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .gazetteer import SETTLEMENT_WORDS_EN, SETTLEMENT_WORDS_RU


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    key: str
    reason: str


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")
HANDLE_URL = re.compile(
    r"(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|instagram\.com|vk\.com|facebook\.com|fb\.com|"
    r"ok\.ru|x\.com|twitter\.com|tiktok\.com|wa\.me|youtube\.com)/@?[\w.+-]*\w",
    re.IGNORECASE,
)
HANDLE_AT = re.compile(r"(?<![\w.@/])@[A-Za-z_][A-Za-z0-9_.]{2,31}(?<![.])")


def find_emails(text: str) -> Iterator[Found]:
    for m in EMAIL.finditer(text):
        yield Found(m.start(), m.end(), m.group().lower(), "e-mail address pattern")


def find_handles(text: str) -> Iterator[Found]:
    for m in HANDLE_URL.finditer(text):
        handle = m.group().rsplit("/", 1)[-1].lstrip("@").lower()
        yield Found(m.start(), m.end(), handle, "messenger or social-network link")
    for m in HANDLE_AT.finditer(text):
        yield Found(m.start(), m.end(), m.group()[1:].lower(), "@handle pattern")


PHONE = re.compile(r"(?<![\w+])\+?\d[\d \t\-().]{6,22}\d(?!\w)")


def phone_key(digits: str) -> str:
    # Russian numbers are written +7…, 8… or bare; the last ten digits identify the line.
    return digits[-10:] if len(digits) >= 10 else digits


def find_phones(text: str) -> Iterator[Found]:
    for m in PHONE.finditer(text):
        raw = m.group()
        if re.fullmatch(r"\d{1,2}[./]\d{1,2}[./]\d{2,4}", raw.strip()):
            continue  # a date, not a phone
        digits = re.sub(r"\D", "", raw)
        plus = raw.startswith("+")
        ok = (
            (plus and 9 <= len(digits) <= 15)
            or (len(digits) == 11 and digits[0] in "78")
            or (len(digits) == 10 and digits[0] == "9" and not re.search(r"\d{6}", raw))
        )
        if ok:
            yield Found(m.start(), m.end(), phone_key(digits), "phone number pattern")


def phones_like(text: str, phone: str) -> Iterator[Found]:
    """Occurrences of a known number however it is spaced (+7 928 … / 8(928)… / 928…)."""
    digits = re.sub(r"\D", "", phone)
    tail = phone_key(digits)
    if len(tail) < 6:
        return
    sep = r"[\s\-().]*"
    pattern = r"(?:\+?\d{1,3}" + sep + r")?" + sep.join(re.escape(d) for d in tail) + r"(?!\d)"
    for m in re.finditer(r"(?<!\d)" + pattern, text):
        yield Found(m.start(), m.end(), tail, "known phone of a linked person")


_MONTHS_RU = r"январ[яь]|феврал[яь]|марта?|апрел[яь]|ма[яй]|июн[яь]|июл[яь]|августа?|сентябр[яь]|октябр[яь]|ноябр[яь]|декабр[яь]"
_MONTHS_EN = (
    r"January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?"
)
_DATE = (
    rf"(?:\d{{1,2}}[./-]\d{{1,2}}[./-](?:\d{{4}}|\d{{2}})"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|\d{{1,2}}\s+(?:{_MONTHS_RU})\s+\d{{4}}(?:\s*(?:года|г\.?))?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS_EN}),?\s+\d{{4}}"
    rf"|(?:{_MONTHS_EN})\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|(?:19|20)\d{{2}}(?:\s*(?:году|года|г\.?))?)"
)
_DOB_BEFORE = re.compile(
    r"(?:родил(?:ся|ась|ись)|рожд[её]н[аы]?|дат[аыуе]\s+рождения|год[аму]?\s+рождения|д\.\s?р\.|"
    r"\bborn\b|date\s+of\s+birth|\bDOB\b|d\.o\.b\.|\bb\.)"
    rf"[^.!?\n\d]{{0,40}}?(?<![\d])({_DATE})(?!\d)",
    re.IGNORECASE,
)
_DOB_AFTER = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:г\.\s?р\.?|гр\.|года\s+рождения|г\.\s?рожд\.?|year\s+of\s+birth|"
    r"-born\b)",
    re.IGNORECASE,
)


def find_dates_of_birth(text: str) -> Iterator[Found]:
    for m in _DOB_BEFORE.finditer(text):
        yield Found(m.start(1), m.end(1), _norm(m.group(1)), "date after a birth cue")
    for m in _DOB_AFTER.finditer(text):
        yield Found(m.start(), m.end(), _norm(m.group(1)), "year of birth marker")


_SERIES_NUMBER = re.compile(
    r"(?:серии|серия|series)\s*(\d{2}\s?\d{2}\s*,?\s*(?:номер|№|number|No\.?|#)?\s*\d{6})(?!\d)",
    re.IGNORECASE,
)
_DOC_CUE = re.compile(
    r"(?:загран\w*|паспорт\w*|удостоверени\w*|СНИЛС|ИНН|водительск\w+\s+прав\w*|"
    r"военн\w+\s+билет\w*|свидетельств\w*|passport|ID\s+card|identity\s+card|\bID\b|licen[cs]e|"
    r"military\s+ID|SNILS|INN|internal\s+passport)"
    r"(?:[^.!?\n]|(?<=[Nn]o)\.|(?<=[Nn]r)\.){0,25}?"
    r"(?<![\w])((?:[A-ZА-ЯЁ]{1,3}[\s-]?)?\d[\d\s№-]{4,18}\d)(?!\d)",
    re.IGNORECASE,
)
_PASSPORT_SHAPE = re.compile(r"(?<![\d+])\d{2}\s?\d{2}\s?№?\s?\d{6}(?!\d)")


def find_documents(text: str) -> Iterator[Found]:
    for m in _SERIES_NUMBER.finditer(text):
        yield Found(
            m.start(1), m.end(1), re.sub(r"\D", "", m.group(1)), "passport series and number"
        )
    for m in _DOC_CUE.finditer(text):
        number = m.group(1)
        digits = re.sub(r"\D", "", number)
        if len(digits) >= 6:
            yield Found(m.start(1), m.end(1), digits, "number after a document cue")
    for m in _PASSPORT_SHAPE.finditer(text):
        yield Found(
            m.start(), m.end(), re.sub(r"\D", "", m.group()), "passport series and number shape"
        )


_STREET_RU = (
    r"ул\.|улиц[аеуыой]{1,2}|пр-т\w*|пр\.|просп\.|проспект\w*|пер\.|переул\w*|бульвар\w*|б-р|"
    r"шоссе|наб\.|набережн\w*|пл\.|площад\w*|проезд\w*|тупик\w*"
)
_NAME_RU = r"(?:им\.\s*)?(?:\d{1,3}[-\s]?(?:го|й|я)?\s+)?[А-ЯЁ][\w-]*(?:\s+[А-ЯЁ][\w-]*){0,2}"
_HOUSE_RU = (
    r"(?:,?\s*(?:д\.|дом[ае]?|№)\s*\d+[а-я]?(?:/\d+)?|,\s*\d+[а-я]?(?:/\d+)?)?"
    r"(?:,?\s*(?:корп\.|корпус\w*|стр\.|к\.)\s*\d+)?"
    r"(?:,?\s*(?:кв\.|квартир\w*)\s*№?\s*\d+)?"
)
_ADDRESS_RU = re.compile(
    rf"(?<![\w])(?:(?:{_STREET_RU})\s*{_NAME_RU}|[А-ЯЁ][а-яё]+(?:ск|цк|н|в)\w*\s+(?:улиц[аеуыой]{{1,2}}|проспект\w*|переул\w*|бульвар\w*|шоссе|проезд\w*)){_HOUSE_RU}"
)
_HOUSE_ONLY_RU = re.compile(
    r"(?<![\w])(?:(?:д\.|дом[ае]?)\s*№?\s*\d+[а-я]?(?:,?\s*(?:кв\.|квартир\w*)\s*№?\s*\d+)?|(?:кв\.|квартир[аеуыой]{1,2})\s*№?\s*\d+)"
)
_STREET_EN = r"Street|St\.|Avenue|Ave\.|Road|Rd\.|Lane|Boulevard|Blvd\.|Prospekt|Prospect|Square|Embankment|Alley|Highway|Drive|Ulitsa|Pereulok"
_ADDRESS_EN = re.compile(
    rf"(?<![\w])(?:(?:\d+[A-Za-z]?,?\s+)?(?:[A-Z0-9][\w'’-]*\s+){{1,3}}(?:{_STREET_EN})"
    rf"|(?:ulitsa|ul\.|prospekt|pr\.|pereulok|per\.)\s+[A-Z][\w'’-]*)"
    r"(?:,?\s*(?:No\.?|#|building|bldg\.?|house|block)?\s*\d+[A-Za-z]?(?:/\d+)?)?"
    r"(?:,?\s*(?:apt\.?|apartment|flat|kv\.?|unit)\s*#?\d+)?"
)
_HOUSE_ONLY_EN = re.compile(
    r"(?<![\w])(?:apt\.?|apartment|flat)\s*(?:No\.?\s*|#)?\d+[A-Za-z]?", re.IGNORECASE
)


def find_addresses(text: str) -> Iterator[Found]:
    for rx, reason in (
        (_ADDRESS_RU, "street address (Russian)"),
        (_ADDRESS_EN, "street address (English)"),
        (_HOUSE_ONLY_RU, "house or flat number"),
        (_HOUSE_ONLY_EN, "flat number"),
    ):
        for m in rx.finditer(text):
            yield Found(m.start(), m.end(), _norm(m.group()), reason)


_PLACE_NAME = r"([А-ЯЁA-Z][\w’'-]*(?:[\s-][А-ЯЁA-Z][\w’'-]*)?)"
_SETTLEMENT_RU = re.compile(rf"(?<![\w])(?:{SETTLEMENT_WORDS_RU})\s+{_PLACE_NAME}")
_SETTLEMENT_EN_BEFORE = re.compile(
    rf"(?<![\w])(?:{SETTLEMENT_WORDS_EN})\s+(?:of\s+)?{_PLACE_NAME}", re.IGNORECASE
)
_SETTLEMENT_EN_AFTER = re.compile(
    r"(?<![\w])([A-ZА-ЯЁ][\w’'-]*(?:-[A-ZА-ЯЁ][\w’'-]*)?)\s+(?:village|settlement|microdistrict|neighbourhood|neighborhood|district|quarter|район\w*)"
)
_YURT = re.compile(r"(?<![\w])[А-ЯЁA-Z][\w’']*-(?:[Юю]рт\w*|[Yy]urt\w*|[Аа]ул\w*)")


def find_small_places(text: str) -> Iterator[Found]:
    """Villages, settlements and city districts named with a cue word (село X, X village)."""
    for rx in (_SETTLEMENT_RU, _SETTLEMENT_EN_BEFORE, _SETTLEMENT_EN_AFTER):
        for m in rx.finditer(text):
            name = m.group(1)
            if not name[:1].isupper():
                continue
            yield Found(m.start(1), m.end(1), _norm(name), "place named after a settlement word")
    for m in _YURT.finditer(text):
        yield Found(m.start(), m.end(), _norm(m.group()), "village name (-юрт/-yurt/-аул)")
