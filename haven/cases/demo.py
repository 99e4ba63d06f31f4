"""Demo cases across the pipeline, with people named in Cyrillic and Latin (all fictional)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from haven.cases import actions
from haven.cases.models import ApprovalRequest, State, Vetting
from haven.core.demo import DemoContext

PEOPLE = [
    # given, family, patronymic, aliases, region, risk, state, caseworker
    (
        "Ислам",
        "Исаев",
        "Русланович",
        ["Isayev Islam", "Иса"],
        "Chechnya",
        "critical",
        State.VETTING,
        "caseworker",
    ),
    (
        "Зелимхан",
        "Магомадов",
        "",
        ["Selimchan Magomadow", "Зелим"],
        "Chechnya",
        "high",
        State.SHELTERED,
        "caseworker",
    ),
    (
        "Madina",
        "Dudayeva",
        "",
        ["Мадина Дудаева"],
        "Chechnya",
        "high",
        State.DOCUMENTS,
        "caseworker",
    ),
    (
        "Хамзат",
        "Алиев",
        "Ахмедович",
        ["Khamzat Aliev"],
        "Chechnya",
        "medium",
        State.PLANNING,
        "caseworker2",
    ),
    ("Салех", "Магамадов", "", ["Saleh"], "Dagestan", "high", State.IN_TRANSIT, "caseworker"),
    ("Adam", "Umarov", "", ["Адам Умаров"], "Chechnya", "medium", State.DEPARTED, "caseworker2"),
    ("Зарема", "Хасанова", "", [], "Ingushetia", "low", State.RESETTLED, "caseworker2"),
    (
        "Мовсар",
        "Эльмурзаев",
        "",
        ["Movsar Elmurzaev"],
        "Chechnya",
        "critical",
        State.MISSING,
        "caseworker",
    ),
    ("Рамзан", "Тагиров", "", [], "Chechnya", "high", State.DETAINED, "caseworker"),
    (
        "Elena",
        "Sokolova",
        "Igorevna",
        ["Лена", "Jelena Sokolowa"],
        "Moscow oblast",
        "medium",
        State.INTAKE,
        "caseworker2",
    ),
    ("Ибрагим", "Юсупов", "", ["Ibragim Yusupov"], "Chechnya", "low", State.CLOSED, "caseworker2"),
]
PATH = {
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
}


def load(ctx: DemoContext) -> None:
    coordinator = ctx.users["coordinator"]
    coord_ring = ctx.keyring("coordinator")
    members = ctx.staff("caseworker", "coordinator", "operator")
    ctx.vaults["index"] = actions.set_up_index_vault(
        actor=coordinator, keyring=coord_ring, members=members
    )
    today = timezone.localdate()
    first_case = None
    for given, family, patronymic, aliases, region, risk, state, worker in PEOPLE:
        ring = ctx.keyring(worker)
        case = actions.create_case(
            keyring=coord_ring,
            risk=risk,
            risk_reason="Семья ищет его; угрозы по телефону." if risk == "critical" else "",
            region_of_origin=region,
            caseworker=ctx.users[worker],
        )
        first_case = first_case or case
        actions.save_person(
            keyring=ring,
            case=case,
            values={
                "given_name": given,
                "family_name": family,
                "patronymic": patronymic,
                "aliases": aliases,
                "languages": ["ru", "ce"] if region == "Chechnya" else ["ru"],
                "documents": {"passport": "confiscated" if risk == "critical" else "yes"},
            },
        )
        for step in PATH[state]:
            if step == State.PLANNING:
                actions.update_vetting(
                    keyring=ring,
                    case=case,
                    identity_corroborated=True,
                    vouched_for=True,
                    interview_done=True,
                    red_flags="",
                )
                actions.decide_vetting(
                    actor=coordinator, case=case, decision=Vetting.Decision.APPROVED
                )
            actions.transition(
                keyring=ring,
                case=case,
                to_state=step,
                reason="Демо: следующий шаг согласован с куратором.",
            )
        if state in (State.DOCUMENTS, State.SHELTERED, State.PLANNING):
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
        if state in (State.DEPARTED, State.RESETTLED):
            actions.set_relocation(
                actor=coordinator,
                case=case,
                destination_country="DE",
                pathway="humanitarian_visa",
                outcome="abroad",
                outcome_country="DE",
            )
        actions.add_note(
            keyring=ring,
            case=case,
            text="Связь раз в два дня через доверенного контакта. Contact every second day.",
        )
    assert first_case is not None
    actions.request_approval(
        keyring=coord_ring,
        kind=ApprovalRequest.Kind.DISCLOSE_VAULT,
        vault=first_case.vault,
        target_user=ctx.users["lawyer"],
        reason="Нужна юридическая консультация по делу.",
    )
    ctx.note(
        "Cases: sign in as `caseworker`; search «Isaev», «Исаев» or «Selimchan». `coordinator2` has an approval waiting."
    )
