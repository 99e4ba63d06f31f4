"""Demo cases across the pipeline, with people named in Cyrillic and Latin (all fictional)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from haven.accounts.models import User
from haven.cases import actions
from haven.cases.models import ApprovalRequest, Case, RelocationDocument, State, Vetting
from haven.core.demo import DemoContext
from haven.vault import blind_index
from haven.vault.keyring import Keyring

# Two demo-only storylines, not states: vetting rejected then closed; relocated in-country.
REJECTED = "demo_rejected"
IN_COUNTRY = "demo_in_country"

PEOPLE = [
    # given, family, patronymic, aliases, region (haven.cases.regions code), risk, state, caseworker
    (
        "Ислам",
        "Исаев",
        "Русланович",
        ["Isayev Islam", "Иса"],
        "RU-CE",
        "critical",
        State.VETTING,
        "caseworker",
    ),
    (
        "Зелимхан",
        "Магомадов",
        "",
        ["Selimchan Magomadow", "Зелим"],
        "RU-CE",
        "high",
        State.SHELTERED,
        "caseworker",
    ),
    (
        "Madina",
        "Dudayeva",
        "",
        ["Мадина Дудаева"],
        "RU-CE",
        "high",
        State.DOCUMENTS,
        "caseworker",
    ),
    (
        "Хамзат",
        "Алиев",
        "Ахмедович",
        ["Khamzat Aliev"],
        "RU-CE",
        "medium",
        State.PLANNING,
        "caseworker2",
    ),
    ("Салех", "Магамадов", "", ["Saleh"], "RU-DA", "high", State.IN_TRANSIT, "caseworker"),
    ("Adam", "Umarov", "", ["Адам Умаров"], "RU-CE", "medium", State.DEPARTED, "caseworker2"),
    ("Зарема", "Хасанова", "", [], "RU-IN", "low", State.RESETTLED, "caseworker2"),
    (
        "Мовсар",
        "Эльмурзаев",
        "",
        ["Movsar Elmurzaev"],
        "RU-CE",
        "critical",
        State.MISSING,
        "caseworker",
    ),
    ("Рамзан", "Тагиров", "", [], "RU-CE", "high", State.DETAINED, "caseworker"),
    (
        "Elena",
        "Sokolova",
        "Igorevna",
        ["Лена", "Jelena Sokolowa"],
        "RU-MOS",
        "medium",
        State.INTAKE,
        "caseworker2",
    ),
    ("Ибрагим", "Юсупов", "", ["Ibragim Yusupov"], "RU-CE", "low", State.CLOSED, "caseworker2"),
    (
        "Аслан",
        "Бакаев",
        "Вахаевич",
        ["Aslan Bakaev", "Bakajew"],
        "RU-CE",
        "high",
        State.SHELTERED,
        "caseworker",
    ),
    ("Seda", "Musaeva", "", ["Седа Мусаева"], "RU-CE", "high", State.DECEASED, "caseworker2"),
    ("Тимур", "Закаев", "", ["Timur Zakayev"], "RU-CE", "medium", State.WITHDRAWN, "caseworker"),
    ("Malika", "Gairbekova", "", ["Малика"], "RU-CE", "medium", REJECTED, "caseworker2"),
    (
        "Руслан",
        "Хаджиев",
        "Исаевич",
        ["Ruslan Khadzhiev", "Chadschijew"],
        "RU-CE",
        "high",
        IN_COUNTRY,
        "caseworker",
    ),
]
# A couple travels together: the second person of the Bakaev case.
COMPANION = {
    "Бакаев": {
        "given_name": "Тимур",
        "family_name": "Цараев",
        "aliases": ["Timur Tsaraev", "Тима"],
        "languages": ["русский", "чеченский", "английский"],
        "contacts": ["Signal: @tima_demo"],
    }
}
PATH: dict[str, list[str]] = {
    State.VETTING: [State.VETTING],
    State.PLANNING: [State.VETTING, State.PLANNING],
    State.SHELTERED: [State.VETTING, State.PLANNING, State.SHELTERED],
    State.DOCUMENTS: [State.VETTING, State.PLANNING, State.SHELTERED, State.DOCUMENTS],
    State.IN_TRANSIT: [State.VETTING, State.PLANNING, State.IN_TRANSIT],
    State.DEPARTED: [State.VETTING, State.PLANNING, State.DOCUMENTS, State.DEPARTED],
    State.RESETTLED: [
        State.VETTING,
        State.PLANNING,
        State.DOCUMENTS,
        State.DEPARTED,
        State.RESETTLED,
    ],
    State.MISSING: [State.VETTING, State.PLANNING, State.SHELTERED, State.MISSING],
    State.DETAINED: [State.VETTING, State.DETAINED],
    State.CLOSED: [State.VETTING, State.CLOSED],
    State.INTAKE: [],
    State.DECEASED: [State.VETTING, State.PLANNING, State.IN_TRANSIT, State.DECEASED],
    State.WITHDRAWN: [State.WITHDRAWN],
    REJECTED: [State.VETTING],
    IN_COUNTRY: [State.VETTING, State.PLANNING, State.IN_TRANSIT, State.DEPARTED],
}


def load(ctx: DemoContext) -> None:
    coordinator = ctx.users["coordinator"]
    coord_ring = ctx.keyring("coordinator")
    members = ctx.staff("caseworker", "coordinator", "operator")
    ctx.vaults["index"] = blind_index.set_up_index_vault(
        actor=coordinator, keyring=coord_ring, members=members
    )
    cases = [_load_case(ctx, *row) for row in PEOPLE]
    first_case = cases[0]
    # coordinator2 must hold the case to approve giving it away: approvals are sealed with the
    # approver's own keyring.
    actions.assign(keyring=coord_ring, case=first_case, user=ctx.users["coordinator2"])
    actions.request_approval(
        keyring=coord_ring,
        kind=ApprovalRequest.Kind.DISCLOSE_VAULT,
        vault=first_case.vault,
        target_user=ctx.users["lawyer"],
        reason="Нужна юридическая консультация по делу.",
    )
    ctx.note(
        "Cases: sign in as `caseworker`; search «Isaev», «Исаев» or «Selimchan». "
        "`coordinator2` has an approval waiting; `coordinator` sees the exposure report."
    )


def _load_case(
    ctx: DemoContext,
    given: str,
    family: str,
    patronymic: str,
    aliases: list[str],
    region: str,
    risk: str,
    story: str,
    worker: str,
) -> Case:
    coordinator = ctx.users["coordinator"]
    coord_ring = ctx.keyring("coordinator")
    ring = ctx.keyring(worker)
    today = timezone.localdate()
    case = actions.create_case(
        keyring=coord_ring,
        risk=risk,
        risk_reason="Семья ищет его; угрозы по телефону." if risk == "critical" else "",
        region_of_origin=region,
        caseworker=ctx.users[worker],
    )
    actions.save_person(
        keyring=ring,
        case=case,
        values={
            "given_name": given,
            "family_name": family,
            "patronymic": patronymic,
            "aliases": aliases,
            "languages": ["русский", "чеченский"] if region == "RU-CE" else ["русский"],
            "documents": {"passport": "confiscated" if risk == "critical" else "yes"},
            "family_risk": "Семья под давлением." if risk in ("critical", "high") else "",
        },
    )
    if family in COMPANION:
        actions.save_person(keyring=ring, case=case, values=COMPANION[family])
    if story in (State.DEPARTED, State.RESETTLED):
        actions.set_relocation(
            actor=coordinator,
            case=case,
            destination_country="DE",
            pathway="humanitarian_visa",
            outcome="abroad",
            outcome_country="DE",
        )
    if story == IN_COUNTRY:
        actions.set_relocation(
            actor=coordinator,
            case=case,
            destination_country="RU",
            pathway="in_country",
            outcome="in_country",
            outcome_country="RU",
        )
    case.refresh_from_db()  # the outcome is needed before "departed"
    for step in PATH[story]:
        if step == State.PLANNING:
            _vet(ring, coordinator, case, Vetting.Decision.APPROVED)
        actions.transition(
            keyring=ring,
            case=case,
            to_state=step,
            reason="Демо: следующий шаг согласован с куратором.",
        )
    if story == REJECTED:
        _vet(ring, coordinator, case, Vetting.Decision.REJECTED)
        actions.transition(
            keyring=ring, case=case, to_state=State.CLOSED, reason="Проверка не пройдена."
        )
    if story in (State.DOCUMENTS, State.SHELTERED, State.PLANNING):
        actions.add_task(
            keyring=ring,
            case=case,
            kind="visa_appointment",
            title="Запись в консульство",
            due_date=today + datetime.timedelta(days=5),
        )
        actions.add_task(
            keyring=ring,
            case=case,
            kind="document_expiry",
            title="Passport expires",
            due_date=today - datetime.timedelta(days=2),
        )
        actions.add_relocation_document(
            keyring=ring,
            case=case,
            kind="Гуманитарная виза (Германия)",
            status=RelocationDocument.Status.SUBMITTED,
            deadline=today + datetime.timedelta(days=21),
        )
    actions.add_note(
        keyring=ring,
        case=case,
        text="Связь раз в два дня через доверенного контакта. Contact every second day.",
    )
    return case


def _vet(ring: Keyring, coordinator: User, case: Case, decision: str) -> None:
    actions.update_vetting(
        keyring=ring,
        case=case,
        identity_corroborated=decision == Vetting.Decision.APPROVED,
        vouched_for=True,
        interview_done=True,
        red_flags="" if decision == Vetting.Decision.APPROVED else "Рассказ не сходится.",
    )
    actions.decide_vetting(actor=coordinator, case=case, decision=decision)
