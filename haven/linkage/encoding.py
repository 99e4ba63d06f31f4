"""Bloom-filter encodings (CLKs) of names and birth years, and comparing two sets of them.

Pure: no database, no Django. A record becomes one CLK per name it is known by (clkhash, keyed
by the secret the two organisations share); two files are compared with anonlink's Sørensen-Dice
candidate search and solved one-to-one.

What goes into a CLK is Haven's own normalisation (:mod:`haven.lib.names`), never the spelling
as typed, so that Cyrillic and Latin, a case form, the feminine form of a surname and a
diminutive meet before hashing:

- ``given``: the given-name groups of the name's given names (Саша, Alexander, Александра ->
  ``aleksandr``), or the vowel-keeping skeleton of a given name the tables do not know;
- ``family``: each other part as the vowel-keeping skeleton of its stem (Исаевой, Isaeva,
  Issayev -> ``iSaev``) followed by its coarse skeleton (Magomedov, Магамадов -> ``magamadav``),
  so that a vowel heard differently still shares bigrams;
- ``patronymic``: the father's given-name group, or the skeleton of the patronymic's stem;
- ``birth_year``: the year's neighbourhood (clkhash's numeric comparison, after Vatsalan and
  Christen): a year one off shares most of its tokens, three off one, four or more none. Four
  positional digits, the first schema, made 1975 and 1985 three-quarters alike, so namesakes a
  decade apart scored as one person.

A typo in a name changes a few bigrams, not the whole field: that is what the Bloom filter's
similarity absorbs.
"""

from __future__ import annotations

import base64
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from haven.lib.names.morph import surname_stem
from haven.lib.names.parse import parse_name
from haven.lib.names.translit import fine_skeletons

# Changing anything below changes every CLK: both organisations must run the same version.
SCHEMA_VERSION = "haven-linkage-2"
CLK_BITS = 1024
# The KDF salt is public (it is in the schema both sides run); the secret is what keys the
# hashing. A fixed salt keeps two installations' encodings comparable.
_KDF_SALT = base64.b64encode(b"haven linkage schema 1 salt").decode()
_KDF_INFO = base64.b64encode(b"haven-linkage-1").decode()
# Minimum length of the shared secret, in bytes: a short secret can be guessed offline from an
# encodings file and a list of common names.
MIN_SECRET_BYTES = 32

FIELDS = ("given", "family", "patronymic", "birth_year")
# Bits each field sets in total (clkhash's bitsPerFeature): names weigh most, the patronymic
# least (it is often missing on one side), and the birth year enough to split namesakes.
_FIELD_BITS = {"given": 200, "family": 300, "patronymic": 60, "birth_year": 80}
# The birth year's neighbourhood: years further apart than thresholdDistance share no token;
# 2 * resolution + 1 tokens per year.
_YEAR_COMPARISON = {"type": "numeric", "thresholdDistance": 3, "resolution": 3}

# Chosen on the development set of bench/linkage_accuracy.py (precision >= 0.95 there), not on
# the set its figures are reported on (docs/BENCHMARKS.md).
DEFAULT_THRESHOLD = 0.84


def _feature(identifier: str) -> dict[str, Any]:
    hashing: dict[str, Any] = {
        "comparison": {"type": "ngram", "n": 2},
        "strategy": {"bitsPerFeature": _FIELD_BITS[identifier]},
        "hash": {"type": "blakeHash"},
    }
    # Skeletons use capitals as symbols of their own (S, X): case must be kept.
    field_format: dict[str, Any] = {"type": "string", "encoding": "utf-8", "case": "mixed"}
    if identifier == "birth_year":
        field_format = {"type": "integer", "minimum": 1, "maximum": 9999}
        hashing["comparison"] = dict(_YEAR_COMPARISON)
        # An unknown year sets no bits (an empty value yields no tokens).
        hashing["missingValue"] = {"sentinel": ""}
    return {"identifier": identifier, "format": field_format, "hashing": hashing}


def schema_dict() -> dict[str, Any]:
    return {
        "version": 3,
        "clkConfig": {
            "l": CLK_BITS,
            "kdf": {
                "type": "HKDF",
                "hash": "SHA256",
                "salt": _KDF_SALT,
                "info": _KDF_INFO,
                "keySize": 64,
            },
        },
        "features": [_feature(f) for f in FIELDS],
    }


@lru_cache(maxsize=1)
def _schema() -> Any:
    from clkhash import schema

    return schema.from_json_dict(schema_dict())


def _anonlink() -> Any:
    # anonlink 0.15.3 reads its version through the deprecated pkg_resources at import.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        import anonlink
    return anonlink


def _group_names(groups: Iterable[Any]) -> list[str]:
    return sorted({g.group for g in groups})


def _family_form(latin: str, fine: Sequence[str], coarse: Sequence[str]) -> str:
    stem = surname_stem(latin)
    stem_fine = fine_skeletons(stem)
    first = (stem_fine or tuple(fine) or (latin,))[0]
    return " ".join(dict.fromkeys([first, *(coarse[:1])]))


def name_fields(full_name: str) -> tuple[str, str, str]:
    """The normalised (given, family, patronymic) of one full name, in any script or order."""
    parsed = parse_name(full_name)
    given: list[str] = []
    family: list[str] = []
    for token in parsed.tokens:
        if token.any_given:
            given.extend(_group_names(token.any_given))
        else:
            family.append(_family_form(token.latin, token.fine, token.skeletons))
    patronymic = ""
    if parsed.patronymics:
        first = parsed.patronymics[0]
        names = _group_names(first.father)
        patronymic = " ".join(names) if names else (first.stem_skeletons or ("",))[0]
    return (
        " ".join(dict.fromkeys(given)),
        " ".join(sorted(dict.fromkeys(family))),
        patronymic,
    )


@dataclass(frozen=True)
class Subject:
    """One record to encode: its export token, the names it is known by, its birth year."""

    token: str
    names: tuple[str, ...]
    birth_year: int | None


# A record known by many names would set many CLKs and stand out; three cover a name, its
# alternate spelling and a nickname.
MAX_NAMES = 3


def rows(subject: Subject) -> list[list[str]]:
    year = str(subject.birth_year) if subject.birth_year else ""
    out: list[list[str]] = []
    for name in subject.names:
        fields = name_fields(name)
        if not (fields[0] or fields[1]):
            continue
        row = [*fields, year]
        if row not in out:
            out.append(row)
        if len(out) >= MAX_NAMES:
            break
    return out


def encode(subjects: Iterable[Subject], secret: bytes, *, workers: int = 1) -> list[dict[str, str]]:
    """[{"token", "clk"}] -- one entry per name of each subject, the CLK base64-encoded."""
    from clkhash import clk

    tokens: list[str] = []
    data: list[list[str]] = []
    for subject in subjects:
        for row in rows(subject):
            tokens.append(subject.token)
            data.append(row)
    if not data:
        return []
    clks = clk.generate_clks(data, _schema(), secret, max_workers=workers)
    return [
        {"token": token, "clk": base64.b64encode(bits.tobytes()).decode()}
        for token, bits in zip(tokens, clks, strict=True)
    ]


def bits(clk_b64: str) -> Any:
    from bitarray import bitarray

    out = bitarray()
    try:
        out.frombytes(base64.b64decode(clk_b64, validate=True))
    except (ValueError, TypeError) as exc:
        raise ValueError("an encoding that is not base64") from exc
    if len(out) != CLK_BITS:
        raise ValueError("an encoding of the wrong length")
    return out


@dataclass(frozen=True)
class Candidate:
    ours: str
    theirs: str
    score: float


def compare(
    ours: Sequence[dict[str, str]],
    theirs: Sequence[dict[str, str]],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    one_to_one: bool = True,
) -> list[Candidate]:
    """Pairs of (our token, their token) whose best CLK similarity reaches `threshold`, best
    first. One-to-one (greedy on the score) unless told otherwise: a person is one record in a
    well-kept registry, so the second-best pair of a record is almost always a namesake."""
    if not ours or not theirs:
        return []
    anonlink = _anonlink()
    our_bits = [bits(e["clk"]) for e in ours]
    their_bits = [bits(e["clk"]) for e in theirs]
    scores, _datasets, (left, right) = anonlink.candidate_generation.find_candidate_pairs(
        [our_bits, their_bits],
        anonlink.similarities.dice_coefficient_accelerated,
        threshold,
    )
    best: dict[tuple[str, str], float] = {}
    for score, i, j in zip(scores, left, right, strict=True):
        key = (ours[i]["token"], theirs[j]["token"])
        if float(score) > best.get(key, -1.0):
            best[key] = float(score)
    ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
    out: list[Candidate] = []
    used_ours: set[str] = set()
    used_theirs: set[str] = set()
    for (a, b), score in ranked:
        if one_to_one and (a in used_ours or b in used_theirs):
            continue
        used_ours.add(a)
        used_theirs.add(b)
        out.append(Candidate(a, b, round(score, 4)))
    return out
