"""Build the codename word lists (a developer tool; the lists are committed, nothing runs this
at run time).

    uv run python haven/lib/codenames/build_wordlists.py .../eff-long .../eff-short .../eff-special

English: the EFF large word list (CC BY 3.0 US, Electronic Frontier Foundation), topped up from the EFF short
lists, as shipped in the `xkcdpass` package (`xkcdpass/static/eff-*`), minus words unsuitable for frightened or
traumatised readers. Russian: common nouns and adjectives in the nominative singular, 4-9 letters,
taken from the vocabulary of the `navec` news embeddings shipped inside `natasha` and checked
against the `pymorphy3` dictionary; proper names, abbreviations, slang and the same stop topics
removed. Both lists keep 8,192 words (13 bits a word; 7 words = 91 bits).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent / "wordlists"
SIZE = 8192

# Topics a person fleeing persecution should not be handed as their codename.
STOP_EN = set(
    """abduct abduction abuse abused abuser abusive agony arrest arrested arson assault autopsy bandit bleed bleeding
    blood bloody bomb bomber bondage bruise bullet bully casket cadaver captive coffin convict corpse cremate crime
    criminal cruel cruelty curse dead deadly death decay demon devil die died dying drown drowned drug drugs
    execute execution exile explode explosive fatal fear felon funeral gallows gay ghost grave gun guns hang hanged
    hate hatred hostage hurt injure injury jail jailer kidnap kill killer killing lesbian lethal mafia morgue murder
    murderer noose pain panic pistol poison police prison prisoner punish punch rape rifle riot sadism sadist scream
    sex sexual sexy shoot shotgun slaughter slave slavery spy stab stabbed suicide terror terrorist torment torture
    tortured toxic trauma traitor victim violence violent weapon whip wound wounded church mosque islam muslim
    christian jewish bible koran pray prayer priest imam""".split()
)
STOP_RU_STEMS = (
    "смерт труп гроб убий убийц казн пыт тюрьм тюрем арест полиц милиц кров оруж пистол автомат бомб взрыв "
    "террор насил изнасил секс гей лесб гомо педик войн враг плен заложн пленн похищ похорон могил кладбищ "
    "боль страх паник ранен рана яд отрав наркот преступ бандит мафи предател шпион раб казар тюрем "
    "церк мечет ислам мусульм христ евре библ коран молит священ имам чечен кавказ русск рус. "
    "взлом затвор инород кастр жертв мучен изгн депорт расстрел виселиц прокур следоват допрос заключ "
    "камер конвой побег розыск обыск донос налет налёт рейд малярия линкор жалоб увеч калек тюрьм "
    "гетто расист нацист фашист сталин гитлер путин кадыров".split()
)


def _english(eff_paths: list[Path]) -> list[str]:
    words = []
    for eff_path in eff_paths:
        for line in eff_path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            word = line.split()[-1].strip().lower()
            if word.isalpha() and word.isascii() and 3 <= len(word) <= 9 and word not in STOP_EN:
                words.append(word)
    words = sorted(set(words))
    if len(words) < 7776:
        raise SystemExit(f"English list too short after filtering: {len(words)}")
    return words


def _russian() -> list[str]:
    import pymorphy3
    from natasha import NewsEmbedding

    morph = pymorphy3.MorphAnalyzer()
    chosen = set()
    for word in NewsEmbedding().vocab.words:
        if not (4 <= len(word) <= 9) or not all("а" <= c <= "я" for c in word):
            continue
        if any(stem in word for stem in STOP_RU_STEMS):
            continue
        if not morph.word_is_known(word):
            continue
        parse = morph.parse(word)[0]
        tag = parse.tag
        noun = tag.POS == "NOUN" and tag.number == "sing" and tag.case == "nomn"
        adjective = (
            tag.POS == "ADJF"
            and tag.gender == "masc"
            and tag.number == "sing"
            and tag.case == "nomn"
        )
        if parse.normal_form != word or not (noun or adjective) or parse.score < 0.5:
            continue
        bad = (
            "Name",
            "Surn",
            "Patr",
            "Geox",
            "Orgn",
            "Abbr",
            "Infr",
            "Slng",
            "Arch",
            "Trad",
            "Erro",
            "Dist",
            "Fixd",
            "Init",
        )
        if any(g in tag for g in bad):
            continue
        chosen.add(word)
    return sorted(chosen)


def _pick(words: list[str]) -> list[str]:
    """A stable choice of SIZE words, preferring the shorter (easier to type on a phone)."""
    ranked = sorted(words, key=lambda w: (len(w) > 7, hashlib.sha256(w.encode()).hexdigest()))
    return sorted(ranked[:SIZE])


def main() -> None:
    en, ru = _english([Path(p) for p in sys.argv[1:]]), _russian()
    print(f"candidates: en {len(en)}, ru {len(ru)}")
    en = en if len(en) <= SIZE else _pick(en)
    ru = _pick(ru)
    for lang, words in (("en", en), ("ru", ru)):
        (HERE / f"{lang}.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
        print(f"{lang}: {len(words)} words")


if __name__ == "__main__":
    main()
