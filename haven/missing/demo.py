"""Demo registry: reports in Russian and English (all fictional), a status history, one report
that a partner sent in Latin script about a person we already have in Cyrillic, and one about a
person in a demo case, so that the possible-matches page has something to show."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from haven.cases.public import grant_search_index
from haven.core.demo import DemoContext
from haven.missing import actions, matching, pfif
from haven.missing.models import MatchCandidate, MissingPersonReport

DAY = datetime.timedelta(days=1)

REPORTS: list[dict[str, Any]] = [
    {
        "key": "khasan_ru",
        "values": {
            "given_name": "Хасан",
            "family_name": "Абдулаев",
            "patronymic": "Магомедович",
            "sex": "male",
            "birth": {"year": 1996},
            "home_place": "Грозный",
            "description": "Невысокий, шрам над левой бровью.",
            "last_seen": {
                "place": "Грозный, у рынка",
                "date": "2026-09-14",
                "with_whom": "двое мужчин в форме",
                "circumstances": "Посадили в серую машину без номеров.",
            },
            "reporter": {"name": "Мать", "relation": "мать", "contact": "через НКО, Signal"},
        },
        "source_kind": MissingPersonReport.Source.FAMILY,
        "reliability": MissingPersonReport.Reliability.PROBABLE,
        "notes": [
            (70, "", "Мать обратилась на горячую линию."),
            (40, "detained", "По словам соседа по камере, его держат в отделе полиции."),
        ],
    },
    {
        "key": "khasan_en",
        "values": {
            "full_name": "Khasan Abdulayev",
            "alternate_names": ["Hasan Abdulajew"],
            "sex": "male",
            "birth": {"age": "29-31"},
            "last_seen": {"place": "Grozny", "date": "2026-09-14"},
            "reporter": {"name": "Partner NGO list", "relation": "partner"},
            "source": {"name": "Partner list, October"},
        },
        "source_kind": MissingPersonReport.Source.PARTNER,
        "reliability": MissingPersonReport.Reliability.POSSIBLE,
        "notes": [(20, "believed_alive", "Seen alive during a transfer, per a released detainee.")],
    },
    {
        "key": "ramzan_en",
        "values": {
            "full_name": "Ramzan Tagirov",
            "sex": "male",
            "last_seen": {"place": "Gudermes", "date": "2026-10-02"},
            "reporter": {"name": "A friend", "relation": "friend", "contact": "@friend_handle"},
        },
        "source_kind": MissingPersonReport.Source.FRIEND,
        "reliability": MissingPersonReport.Reliability.UNKNOWN,
        "notes": [(30, "detained", "Friend says he was taken at a checkpoint.")],
    },
    {
        "key": "anzor",
        "values": {
            "given_name": "Анзор",
            "family_name": "Мальсагов",
            "sex": "male",
            "birth": {"year": 2001},
            "last_seen": {"place": "Назрань", "date": "2026-06-01"},
            "reporter": {"name": "Сестра", "relation": "сестра"},
        },
        "source_kind": MissingPersonReport.Source.FAMILY,
        "reliability": MissingPersonReport.Reliability.CONFIRMED,
        "notes": [
            (150, "", "Сестра не может дозвониться с 1 июня."),
            (120, "in_hiding", "Вышел на связь: прячется у знакомых."),
            (60, "found_safe", "Вывезен, в безопасности."),
        ],
    },
    {
        "key": "lyoma",
        "values": {
            "full_name": "Lyoma Dakaev",
            "alternate_names": ["Лёма Дакаев"],
            "sex": "male",
            "last_seen": {"place": "Tbilisi airport", "date": "2026-08-20"},
        },
        "source_kind": MissingPersonReport.Source.MEDIA,
        "reliability": MissingPersonReport.Reliability.PROBABLE,
        "notes": [(80, "forcibly_returned", "Deported to Russia, handed over at the border.")],
    },
    {
        "key": "aminat",
        "values": {
            "given_name": "Аминат",
            "family_name": "Исмаилова",
            "sex": "female",
            "birth": {"year": 1999},
            "last_seen": {"place": "Махачкала", "date": "2026-03-11"},
            "reporter": {"name": "Подруга", "relation": "подруга"},
        },
        "source_kind": MissingPersonReport.Source.FRIEND,
        "reliability": MissingPersonReport.Reliability.DOUBTFUL,
        "notes": [(200, "", "Подруга сообщает, что семья увезла её в село.")],
    },
]


# A partner group's list as their system sends it: PFIF 1.3, notes at the top level (a note
# feed), one note about a person whose record they have not sent yet (held until it comes).
PARTNER_FILE = """<?xml version="1.0" encoding="UTF-8"?>
<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.3">
<pfif:person>
<pfif:person_record_id>partner-ngo.example/2026-117</pfif:person_record_id>
<pfif:entry_date>2026-10-20T08:00:00Z</pfif:entry_date>
<pfif:author_name>Partner documentation desk</pfif:author_name>
<pfif:source_name>Partner NGO list (demo)</pfif:source_name>
<pfif:source_date>2026-10-19T16:00:00Z</pfif:source_date>
<pfif:full_name>Islam Akhmadov</pfif:full_name>
<pfif:first_name>Islam</pfif:first_name>
<pfif:last_name>Akhmadov</pfif:last_name>
<pfif:sex>male</pfif:sex>
<pfif:date_of_birth>1993</pfif:date_of_birth>
<pfif:home_city>Gudermes</pfif:home_city>
<pfif:other>description: Tall, beard, glasses.</pfif:other>
</pfif:person>
<pfif:person>
<pfif:person_record_id>partner-ngo.example/2026-118</pfif:person_record_id>
<pfif:entry_date>2026-10-21T08:00:00Z</pfif:entry_date>
<pfif:author_name>Координатор партнёров</pfif:author_name>
<pfif:source_name>Partner NGO list (demo)</pfif:source_name>
<pfif:source_date>2026-10-21T07:00:00Z</pfif:source_date>
<pfif:full_name>Мадина Саидова</pfif:full_name>
<pfif:sex>female</pfif:sex>
<pfif:age>24-26</pfif:age>
<pfif:home_city>Назрань</pfif:home_city>
</pfif:person>
<pfif:note>
<pfif:note_record_id>partner-ngo.example/2026-117.n1</pfif:note_record_id>
<pfif:person_record_id>partner-ngo.example/2026-117</pfif:person_record_id>
<pfif:entry_date>2026-10-22T08:00:00Z</pfif:entry_date>
<pfif:author_name>Partner documentation desk</pfif:author_name>
<pfif:source_date>2026-10-22T07:00:00Z</pfif:source_date>
<pfif:found>false</pfif:found>
<pfif:status>believed_missing</pfif:status>
<pfif:last_known_location>Gudermes, bus station</pfif:last_known_location>
<pfif:text>Did not arrive in Moscow; his phone has been off since the bus station.</pfif:text>
</pfif:note>
<pfif:note>
<pfif:note_record_id>partner-ngo.example/2026-118.n1</pfif:note_record_id>
<pfif:person_record_id>partner-ngo.example/2026-118</pfif:person_record_id>
<pfif:entry_date>2026-10-25T08:00:00Z</pfif:entry_date>
<pfif:author_name>Координатор партнёров</pfif:author_name>
<pfif:source_date>2026-10-25T07:00:00Z</pfif:source_date>
<pfif:found>true</pfif:found>
<pfif:status>believed_alive</pfif:status>
<pfif:text>Позвонила нам сама: она в безопасности, в другом регионе.</pfif:text>
</pfif:note>
<pfif:note>
<pfif:note_record_id>partner-ngo.example/2026-119.n1</pfif:note_record_id>
<pfif:person_record_id>partner-ngo.example/2026-119</pfif:person_record_id>
<pfif:entry_date>2026-10-26T08:00:00Z</pfif:entry_date>
<pfif:author_name>Partner documentation desk</pfif:author_name>
<pfif:source_date>2026-10-26T07:00:00Z</pfif:source_date>
<pfif:text>A record of this person follows in the partner's next file.</pfif:text>
</pfif:note>
</pfif:pfif>
"""


def load(ctx: DemoContext) -> None:
    coordinator = ctx.keyring("coordinator")
    docofficer = ctx.users["docofficer"]
    vault = actions.set_up_registry(
        keyring=coordinator,
        members=[docofficer, ctx.users["coordinator2"], ctx.users["caseworker"]],
    )
    ctx.vaults["registry"] = vault
    # The documentation officer keeps the registry and needs the name-search key to match.
    if "index" in ctx.vaults:
        grant_search_index(keyring=coordinator, user=docofficer)
    keyring = ctx.keyring("docofficer")
    now = timezone.now()
    made: dict[str, MissingPersonReport] = {}
    for row in REPORTS:
        report = actions.save_report(
            keyring=keyring,
            values=row["values"],
            source_kind=row["source_kind"],
            reliability=row["reliability"],
        )
        for days_ago, status, text in row["notes"]:
            actions.add_note(
                keyring=keyring,
                report=report,
                status=status,
                text=text,
                source_date=now - days_ago * DAY,
            )
        made[row["key"]] = report
    imported = pfif.import_pfif(keyring=keyring, data=PARTNER_FILE.encode())
    # The caseworker holds both the registry and the case of Рамзан Тагиров: scoring the
    # suggestion needs someone who can open both sides.
    caseworker = ctx.keyring("caseworker")
    actions.score_matches(
        keyring=caseworker,
        candidates=matching.visible_candidates(caseworker).filter(score__isnull=True),
    )
    pending = MatchCandidate.objects.filter(decision=MatchCandidate.Decision.PENDING).count()
    ctx.note(
        "Missing persons: sign in as `docofficer` (keeps the registry) and open «Possible "
        f"matches» ({pending} waiting: Абдулаев / Abdulayev across scripts); `caseworker` "
        "also sees a registry report matching one of their cases."
    )
    ctx.note(
        f"PFIF: a partner's PFIF 1.3 file with top-level notes was imported "
        f"({imported.persons_created} persons, {imported.notes_created} notes, "
        f"{imported.notes_held} note held until its person arrives): «Missing persons», "
        "Islam Akhmadov and Мадина Саидова; «Import a PFIF file» on the same page takes "
        "another, and «Export the registry» downloads PFIF 1.4 after a second approval."
    )
