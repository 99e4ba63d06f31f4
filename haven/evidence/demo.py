"""A demo incident (all fictional): a detention with torture, two testimonies (Russian and
English), a photo with its working copy, a chain of custody, and one reviewed redaction."""

from __future__ import annotations

import datetime
import io

from django.utils import timezone

from haven.core.demo import DemoContext
from haven.evidence import actions
from haven.evidence.models import Audience, EvidenceIncident, Place, Source

TESTIMONY_RU = (
    "Меня зовут Адам Хасанов. 14 марта 2026 года меня задержали у дома сотрудники полиции, "
    "один из них называл себя «Бес». Меня отвезли в здание бывшего ПОВД и держали там четыре "
    "дня. Требовали назвать других, били и угрожали позвонить моему брату Ахмеду. Телефон "
    "забрали, пароль заставили сказать. Мой номер тогда был +7 928 000-11-22."
)
TESTIMONY_EN = (
    "I am Adam's cousin Leila. On 15 March 2026 two men in uniform came to our flat and said "
    "that the family must 'deal with' Adam, or they would. They took photos of my passport. "
    "I saw Adam on 18 March: his hands were bruised and he could not stand straight."
)


def _demo_photo() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 80)).save(out, format="JPEG")
    return out.getvalue()


def load(ctx: DemoContext) -> None:
    ring = ctx.keyring("docofficer")
    today = timezone.localdate()
    incident = actions.create_incident(
        keyring=ring,
        title="Задержание и пытки в бывшем ПОВД, март 2026",
        summary=(
            "Detention of a young man at his home, four days in an unofficial detention site, "
            "beatings to obtain names, threats to his family, phone searched."
        ),
        violations=["arbitrary_detention", "torture", "threats_to_family", "surveillance"],
        date_start=datetime.date(2026, 3, 14),
        date_end=datetime.date(2026, 3, 18),
        date_precision=EvidenceIncident.Precision.RANGE,
        region="Chechnya",
        colleague=ctx.users["lawyer"],
    )
    actions.add_place(
        keyring=ring,
        incident=incident,
        kind=Place.Kind.DETENTION_SITE,
        name="Здание бывшего ПОВД (вымышленное)",
        description="Unofficial detention site; cells in the basement.",
    )
    actions.add_perpetrator(
        keyring=ring,
        incident=incident,
        kind="individual",
        name="«Бес»",
        unit="Полиция (вымышленное подразделение)",
        role="Led the beatings",
        known_how="Called so by the others; the victim saw his face",
    )
    actions.add_victim(keyring=ring, incident=incident, description="Young man, 24, detained")
    actions.add_source(
        keyring=ring,
        incident=incident,
        kind=Source.Kind.WITNESS,
        reliability="B",
        description="Cousin who saw the injuries",
    )
    ru = actions.add_testimony(
        keyring=ring,
        incident=incident,
        given_by="Адам Хасанов",
        given_on=today - datetime.timedelta(days=20),
        language="ru",
        text=TESTIMONY_RU,
        consent=[Audience.INTERNAL, Audience.COURT, Audience.UN, Audience.MEDIA],
        may_be_named=False,
    )
    proposals = actions.propose_redactions(keyring=ring, testimony=ru)
    actions.review_redactions(keyring=ring, testimony=ru, accepted=set(range(len(proposals))))
    actions.add_testimony(
        keyring=ring,
        incident=incident,
        given_by="Leila (cousin)",
        given_on=today - datetime.timedelta(days=18),
        language="en",
        text=TESTIMONY_EN,
        consent=[Audience.INTERNAL, Audience.COURT],
        may_be_named=True,
    )
    photo = actions.capture_attachment(
        keyring=ring,
        incident=incident,
        name="bruises.jpg",
        data=_demo_photo(),
        declared_type="image/jpeg",
        notes="Taken by the cousin on her phone on 18 March; sent through a secure messenger.",
        testimony=ru,
    )
    actions.set_verification(
        keyring=ring,
        attachment=photo,
        status="corroborated",
        notes="Matches the cousin's account and the date in her phone's gallery.",
    )
    actions.transfer_attachment(
        keyring=ring,
        attachment=photo,
        organisation="Partner legal NGO (fictional)",
        reason="Preparing an application to the ECtHR",
    )
    ctx.note(
        f"Evidence: sign in as docofficer or lawyer, open Evidence → {incident.reference} "
        "(testimonies in Russian and English, a photo with its chain of custody, a reviewed "
        "redaction); export a court bundle and check it with `haven evidence verify FILE`."
    )
