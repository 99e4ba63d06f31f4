"""Every form in the project, posted full of junk through its real view by a persona allowed to
use it: random text (Cyrillic, control characters, right-to-left marks), very long strings,
missing fields, repeated fields, wrong types, malformed dates, enormous numbers, and now and then
a valid value so that the junk reaches the deeper checks. The view must never fail (the test
client raises any exception a view lets through) and an invalid submission must write nothing:
the row count of every Haven model is the same afterwards (throttle counters, sessions and the
audit log of vault openings excepted: those record the attempt on purpose).

A form is invalid here when the view answers 4xx, or when the form class itself, bound to the
same data, says so (for forms whose constructor needs no extra arguments). The number of examples
per form is HAVEN_FUZZ_EXAMPLES (default 12, the same examples on every run), kept small so the
suite stays quick; set it locally to search harder with fresh examples."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django import forms
from django.apps import apps
from django.http import QueryDict
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("HAVEN_FUZZ_EXAMPLES", "12"))
# The suite's runs are repeatable (the same examples every time, so CI is never flaky); asking
# for more examples also draws new ones on every run.
DERANDOMIZE = "HAVEN_FUZZ_EXAMPLES" not in os.environ
# Rows written on purpose by a failed attempt, or on every request.
UNCOUNTED = {
    "audit.auditevent",
    "audit.audithead",
    "accounts.loginthrottle",
    "intake.codenamethrottle",
    "intake.portalsession",
    "missing.registrycheck",  # a cache: how far a request was read for registry names
}

JUNK_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from(
            "абвгдеёжзийклмнопрстуфхцчшщъыьэюяЖЁ\u202e\u200b\ufeff\x00\x1b\r\n\t<>&\"'%;"
        ),
    ),
    max_size=60,
)
HUGE = st.sampled_from([1_000, 20_000, 150_000]).flatmap(
    lambda n: st.sampled_from(["ж" * n, "A" * n, "1" * n, "<b>" * (n // 3), " " * n])
)
MALFORMED = st.sampled_from(
    [
        "",
        " ",
        "2024-02-30",
        "2024-13-01",
        "0000-00-00",
        "31/12/2024",
        "9999-12-31",
        "10000-01-01",
        "1900-01-01T25:61",
        "25:99",
        "-1",
        "0",
        "9" * 400,
        "-" + "9" * 40,
        "1e309",
        "-1e309",
        "NaN",
        "inf",
        str(2**63),
        str(2**64 + 1),
        "0x1F",
        "1,5",
        "١٢٣",
        "true",
        "on",
        "None",
        "null",
        "[]",
        "{}",
        "00000000-0000-0000-0000-000000000000",
        "not-a-uuid",
        "../../etc/passwd",
        "%00",
    ]
)


def _value(good: list[str]) -> st.SearchStrategy[Any]:
    single = st.one_of(
        JUNK_TEXT,
        MALFORMED,
        HUGE,
        st.integers(-(2**70), 2**70).map(str),
        *([st.sampled_from(good)] if good else []),
    )
    return st.one_of(single, st.lists(single, min_size=2, max_size=3))


def _good_values(field: forms.Field) -> list[str]:
    """Values that pass this field alone now and then, so junk also reaches the form's and the
    action's own checks."""
    values: list[str] = []
    choices = getattr(field, "choices", None)
    # A model choice's values are row ids: the target gives them (an unbound queryset is None).
    if choices is not None and not isinstance(field, forms.ModelChoiceField):
        values += [str(k) for k, _v in list(choices)[:30] if k not in ("", None)]
    if isinstance(field, forms.DateField):
        values += ["2030-01-01", (timezone.localdate() - dt.timedelta(days=1)).isoformat()]
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        values += ["1", "30", "240"]
    if isinstance(field, forms.BooleanField):
        values += ["on"]
    return values


def junk_for(form_class: type[forms.Form], good: dict[str, list[str]]) -> st.SearchStrategy[dict]:  # type: ignore[type-arg]
    fields = {
        name: _value(good.get(name, []) + _good_values(field))
        for name, field in form_class.base_fields.items()
    }
    extra = st.dictionaries(JUNK_TEXT.filter(lambda k: k not in fields), JUNK_TEXT, max_size=2)
    return st.tuples(st.fixed_dictionaries({}, optional=fields), extra).map(
        lambda pair: {**pair[1], **pair[0]}
    )


def row_counts() -> dict[str, int]:
    return {
        m._meta.label_lower: m._default_manager.count()
        for m in apps.get_models()
        if m.__module__.startswith("haven.") and m._meta.label_lower not in UNCOUNTED
    }


def _standalone_invalid(form_class: type[forms.Form], data: dict) -> bool:  # type: ignore[type-arg]
    own_init = any(
        "__init__" in vars(c)
        for c in form_class.__mro__
        if issubclass(c, forms.Form) and c is not forms.Form
    )
    if own_init:
        return False  # it needs the view's arguments (querysets of what the user may choose)
    return not form_class(QueryDict(urlencode(data, doseq=True))).is_valid()


# --- the world the forms are posted into -------------------------------------------------------


@dataclass
class World:
    personas: Any
    case: Any  # held by the caseworker persona
    coordinator_case: Any  # held by the coordinator persona
    request_id: Any  # a help request the operator and coordinator can triage
    watch: Any
    house: Any
    target: Any  # a throwaway staff account for the account forms
    portal: Client  # a person signed in with their codename, with a watch
    document_id: str
    missing_report: Any  # a registry report the documentation officer can open
    missing_candidate: Any  # a match candidate between two registry reports
    evidence: dict[str, Any]  # an incident, a testimony and a file, the documentation officer's
    linkage_suggestion: Any = None  # a partner-linkage suggestion the coordinator can decide


@pytest.fixture
def world(personas, settings, tmp_path):  # type: ignore[no-untyped-def]
    from haven.cases import actions as case_actions
    from haven.intake import actions as intake_actions
    from haven.intake.forms import form_token
    from haven.intake.models import PortalIdentity
    from haven.safety import actions as safety_actions
    from haven.testing.personas import keyring_for, make_staff
    from haven.vault import blind_index
    from haven.vault.actions import grant_vault

    settings.HAVEN_ADMISSION_DIR = str(tmp_path / "admission")
    settings.HAVEN_INTAKE_NEW_CONCURRENCY = 0
    settings.HAVEN_INTAKE_NEW_PER_SECOND = 0
    coordinator = keyring_for(personas.coordinator)
    vault = intake_actions.set_up_intake_vault(actor=personas.coordinator, keyring=coordinator)
    grant_vault(keyring=coordinator, vault=vault, user=personas.operator)
    blind_index.set_up_index_vault(
        actor=personas.coordinator,
        keyring=coordinator,
        members=[personas.caseworker, personas.docofficer],
    )
    caseworker = keyring_for(personas.caseworker)
    case = case_actions.create_case(keyring=caseworker, risk="high")
    case_actions.save_person(keyring=caseworker, case=case, values={"given_name": "Аслан"})
    document = case_actions.add_relocation_document(
        keyring=caseworker, case=case, **_document_values()
    )
    coordinator_case = case_actions.create_case(keyring=coordinator, risk="medium")
    submission = intake_actions.submit_request(
        text="помогите", felt_urgency="now", contact="", files=[], language="ru"
    )
    watch = safety_actions.save_watch(
        actor=personas.caseworker,
        case=case,
        interval_minutes=12 * 60,
        fixed_times=[],
        time_zone="Europe/Moscow",
        grace_minutes=30,
        pin="2468",
    )
    PortalIdentity.objects.filter(pk=submission.request.identity_id).update(case=case)
    portal = Client()
    signed_in = portal.post(
        "/enter/", {"codename": submission.codename, "form_token": form_token()}
    )
    assert signed_in.status_code == 302
    house = safety_actions.create_house(
        keyring=coordinator,
        code="Oak",
        capacity=2,
        address="ул. Тайная 7",
        access_instructions="",
        host_contact="",
    )
    from haven.missing.tests import authz as missing_authz
    from haven.testing.authz import World as MatrixWorld

    matrix_world = MatrixWorld(personas)
    missing_report = missing_authz._report(matrix_world)["report_id"]
    missing_candidate = missing_authz._candidate(matrix_world)["candidate_id"]
    from haven.evidence.tests import authz as evidence_authz

    evidence = evidence_authz._incident(matrix_world)
    from haven.linkage.tests import authz as linkage_authz

    linkage_suggestion = linkage_authz.make_suggestion(matrix_world)["suggestion_id"]
    return World(
        linkage_suggestion=linkage_suggestion,
        personas=personas,
        missing_report=missing_report,
        missing_candidate=missing_candidate,
        evidence=evidence,
        case=case,
        coordinator_case=coordinator_case,
        request_id=submission.request.id,
        watch=watch,
        house=house,
        target=make_staff("fuzz-target", "caseworker"),
        portal=portal,
        document_id=str(document.id),
    )


def _document_values() -> dict[str, Any]:
    from haven.cases.models import RelocationDocument

    status = RelocationDocument.Status.choices[0][0]
    return {"kind": "паспорт", "status": status, "deadline": dt.date(2030, 1, 1)}


@dataclass(frozen=True)
class Target:
    form: str  # dotted path of the form class
    persona: str  # a persona name, "anonymous" or "portal"
    url: Callable[[World], str]
    method: str = "post"
    good: Callable[[World], dict[str, list[str]]] = lambda w: {}


def _token(world: World) -> dict[str, list[str]]:
    from haven.intake.forms import form_token

    return {"form_token": [form_token()]}


def _burn_request_url(world: World) -> str:
    """A burn request by one coordinator, for the second to decide."""
    from haven.cases.approvals import request_account_burn
    from haven.testing.personas import make_staff

    account = make_staff("fuzz-burn-target", "caseworker")
    row = request_account_burn(actor=world.personas.coordinator, account=account)
    return f"/staff/accounts/burns/{row.id}/"


TARGETS = [
    Target("haven.accounts.forms.LoginForm", "anonymous", lambda w: "/staff/login/",
           good=lambda w: {"username": ["cw", "admin"]}),
    Target("haven.accounts.forms.PasswordChangeForm", "caseworker", lambda w: "/staff/account/password/"),
    Target("haven.accounts.forms.DuressPasswordForm", "caseworker", lambda w: "/staff/account/duress/"),
    Target("haven.accounts.forms.NewAccountForm", "admin", lambda w: "/staff/accounts/new/"),
    Target("haven.accounts.forms.RolesForm", "admin", lambda w: f"/staff/accounts/{w.target.pk}/roles/"),
    Target("haven.accounts.forms.ConfirmForm", "admin", lambda w: f"/staff/accounts/{w.target.pk}/reset/"),
    Target("haven.accounts.forms.BurnForm", "coordinator", lambda w: f"/staff/accounts/{w.target.pk}/burn/"),
    Target("haven.accounts.forms.DecisionForm", "coordinator2", lambda w: _burn_request_url(w)),
    Target("haven.cases.forms.CaseForm", "caseworker", lambda w: "/staff/cases/new/"),
    Target("haven.cases.forms.PersonForm", "caseworker", lambda w: f"/staff/cases/{w.case.id}/people/new/"),
    Target("haven.cases.forms.TransitionForm", "caseworker", lambda w: f"/staff/cases/{w.case.id}/transition/"),
    Target("haven.cases.forms.NoteForm", "caseworker", lambda w: f"/staff/cases/{w.case.id}/notes/"),
    Target("haven.cases.forms.TaskForm", "caseworker", lambda w: f"/staff/cases/{w.case.id}/tasks/"),
    Target("haven.cases.forms.AssignForm", "caseworker", lambda w: f"/staff/cases/{w.case.id}/assign/",
           good=lambda w: {"user": [str(w.personas.lawyer.pk), str(w.personas.outsider.pk)]}),
    Target("haven.cases.forms.VettingForm", "caseworker", lambda w: f"/staff/cases/{w.case.id}/vetting/"),
    Target("haven.cases.forms.VettingDecisionForm", "coordinator",
           lambda w: f"/staff/cases/{w.coordinator_case.id}/vetting/decide/"),
    Target("haven.cases.forms.RelocationForm", "caseworker", lambda w: f"/staff/cases/{w.case.id}/relocation/",
           good=lambda w: {"destination_country": ["DE"], "outcome_country": ["CA"]}),
    Target("haven.cases.forms.DocumentForm", "caseworker", lambda w: f"/staff/cases/{w.case.id}/documents/"),
    Target("haven.cases.forms.DocumentStatusForm", "caseworker",
           lambda w: f"/staff/cases/{w.case.id}/documents/update/",
           good=lambda w: {"document": [w.document_id]}),
    Target("haven.cases.forms.IndexGrantForm", "coordinator", lambda w: "/staff/cases/search-index/",
           good=lambda w: {"user": [str(w.personas.operator.pk)]}),
    Target("haven.cases.forms.ApprovalForm", "coordinator",
           lambda w: f"/staff/cases/{w.coordinator_case.id}/approvals/",
           good=lambda w: {"target_user": [str(w.personas.lawyer.pk)]}),
    Target("haven.cases.forms.FilterForm", "caseworker", lambda w: "/staff/cases/", method="get"),
    Target("haven.intake.forms.HelpForm", "anonymous", lambda w: "/help/?lang=ru", good=_token),
    Target("haven.intake.forms.CodenameForm", "anonymous", lambda w: "/enter/?lang=ru", good=_token),
    Target("haven.intake.forms.WriteForm", "portal", lambda w: "/inbox/write/?lang=ru"),
    Target("haven.intake.forms.ReplyForm", "operator", lambda w: f"/staff/intake/{w.request_id}/reply/"),
    Target("haven.intake.forms.UrgencyForm", "operator", lambda w: f"/staff/intake/{w.request_id}/urgency/"),
    Target("haven.intake.forms.ClaimForm", "operator", lambda w: f"/staff/intake/{w.request_id}/claim/"),
    Target("haven.intake.forms.TriageRulesForm", "coordinator", lambda w: "/staff/intake/rules/"),
    Target("haven.intake.forms.CannedReplyForm", "coordinator", lambda w: "/staff/intake/canned/new/"),
    Target("haven.intake.forms.OpenCaseForm", "coordinator", lambda w: f"/staff/intake/{w.request_id}/open-case/",
           good=lambda w: {"caseworker": [str(w.personas.caseworker.pk)]}),
    Target("haven.ops.forms.WipeForm", "admin", lambda w: "/staff/ops/wipe/start/"),
    Target("haven.safety.forms.WatchForm", "caseworker", lambda w: f"/staff/watch/cases/{w.case.id}/",
           good=lambda w: {"time_zone": ["Europe/Moscow", "UTC"], "pin": ["2468"]}),
    Target("haven.safety.forms.StaffCheckInForm", "caseworker", lambda w: f"/staff/watch/{w.watch.id}/checkin/"),
    Target("haven.safety.forms.ShiftForm", "coordinator", lambda w: "/staff/watch/roster/",
           good=lambda w: {"user": [str(w.personas.lawyer.pk)], "time_zone": ["UTC"]}),
    Target("haven.safety.forms.ChannelForm", "caseworker", lambda w: "/staff/watch/channels/",
           good=lambda w: {"url": ["outbox://fuzz", "mailto://a@b.example"]}),
    Target("haven.safety.forms.HouseForm", "coordinator", lambda w: "/staff/safe-houses/new/"),
    Target("haven.safety.forms.HouseStatusForm", "coordinator", lambda w: f"/staff/safe-houses/{w.house.id}/status/"),
    Target("haven.safety.forms.PlaceForm", "coordinator", lambda w: f"/staff/safe-houses/{w.house.id}/place/",
           good=lambda w: {"case": [str(w.coordinator_case.id)]}),
    Target("haven.safety.forms.PinForm", "portal", lambda w: "/checkin/?lang=ru", good=lambda w: {"pin": ["2468"]}),
    Target("haven.reports.views.PeriodForm", "coordinator", lambda w: "/staff/reports/", method="get"),
    Target("haven.missing.forms.ReportForm", "docofficer", lambda w: "/staff/missing/new/"),
    Target("haven.missing.forms.NoteForm", "docofficer", lambda w: f"/staff/missing/{w.missing_report}/notes/"),
    Target("haven.missing.forms.LinkForm", "docofficer", lambda w: f"/staff/missing/{w.missing_report}/link/",
           good=lambda w: {"reference": [w.case.reference]}),
    Target("haven.missing.forms.UnlinkForm", "docofficer", lambda w: f"/staff/missing/{w.missing_report}/unlink/"),
    Target("haven.missing.forms.DecisionForm", "docofficer", lambda w: f"/staff/missing/matches/{w.missing_candidate}/"),
    Target("haven.linkage.forms.DecisionForm", "coordinator",
           lambda w: f"/staff/linkage/{w.linkage_suggestion}/decide/"),
    Target("haven.linkage.forms.EncodingRequestForm", "coordinator",
           lambda w: "/staff/linkage/encoding-requests/"),
    Target("haven.missing.forms.SearchForm", "docofficer", lambda w: "/staff/missing/", method="get"),
    Target("haven.missing.forms.AccessForm", "coordinator", lambda w: "/staff/missing/access/",
           good=lambda w: {"user": [str(w.personas.lawyer.pk)]}),
    Target("haven.missing.forms.ExportRequestForm", "docofficer", lambda w: "/staff/missing/export/"),
    Target("haven.missing.forms.PfifImportForm", "coordinator", lambda w: "/staff/missing/pfif/import/"),
    Target("haven.missing.forms.PfifExportForm", "coordinator", lambda w: "/staff/missing/pfif/export/"),
    Target("haven.channels.views_handles.ChannelTextsForm", "coordinator",
           lambda w: f"/staff/channels/{_channels(w)['channel_id']}/texts/"),
    Target("haven.channels.views_handles.KnownHandleForm", "caseworker",
           lambda w: f"/staff/channels/cases/{_channels(w)['case_id']}/handles/",
           good=lambda w: {"kind": ["sms"]}),
    Target("haven.evidence.forms.IncidentForm", "docofficer", lambda w: "/staff/evidence/new/"),
    Target("haven.evidence.forms.PlaceForm", "docofficer", lambda w: f"/staff/evidence/{w.evidence['incident']}/places/"),
    Target("haven.evidence.forms.PerpetratorForm", "docofficer", lambda w: f"/staff/evidence/{w.evidence['incident']}/perpetrators/"),
    Target("haven.evidence.forms.VictimForm", "docofficer", lambda w: f"/staff/evidence/{w.evidence['incident']}/victims/"),
    Target("haven.evidence.forms.SourceForm", "docofficer", lambda w: f"/staff/evidence/{w.evidence['incident']}/sources/"),
    Target("haven.evidence.forms.TestimonyForm", "docofficer", lambda w: f"/staff/evidence/{w.evidence['incident']}/testimonies/new/"),
    Target("haven.evidence.forms.AttachmentForm", "docofficer", lambda w: f"/staff/evidence/{w.evidence['incident']}/files/new/"),
    Target("haven.evidence.forms.ExportForm", "docofficer", lambda w: f"/staff/evidence/{w.evidence['incident']}/export/"),
    Target("haven.evidence.forms.OverrideRequestForm", "docofficer", lambda w: f"/staff/evidence/{w.evidence['incident']}/export/override/"),
    Target("haven.evidence.forms.ShareForm", "docofficer", lambda w: f"/staff/evidence/{w.evidence['incident']}/share/",
           good=lambda w: {"user": [str(w.personas.lawyer.pk)]}),
    Target("haven.evidence.forms.ConsentForm", "docofficer", lambda w: f"/staff/evidence/testimonies/{w.evidence['testimony']}/consent/"),
    Target("haven.evidence.forms.ReviewForm", "docofficer", lambda w: f"/staff/evidence/testimonies/{w.evidence['testimony']}/redactions/"),
    Target("haven.evidence.forms.VerificationForm", "docofficer", lambda w: f"/staff/evidence/files/{w.evidence['attachment']}/verify/"),
    Target("haven.evidence.forms.TransferForm", "docofficer", lambda w: f"/staff/evidence/files/{w.evidence['attachment']}/transfer/"),
    Target("haven.evidence.forms.DeleteForm", "docofficer", lambda w: f"/staff/evidence/files/{w.evidence['attachment']}/delete/"),
    Target("haven.partners.forms.PartnerForm", "coordinator", lambda w: "/staff/partners/directory/new/"),
    Target("haven.partners.forms.ConsentForm", "coordinator", lambda w: f"/staff/partners/case/{_partners(w)['case_id']}/consent/",
           good=lambda w: {"person": [_partners(w)["person_id"]], "partner": [str(_partners(w)["partner_id"])]}),
    Target("haven.partners.forms.ReferralForm", "coordinator", lambda w: f"/staff/partners/case/{_partners(w)['case_id']}/refer/",
           good=lambda w: {"people": [_partners(w)["person_id"]], "partner": [str(_partners(w)["partner_id"])]}),
    Target("haven.partners.forms.ReasonForm", "coordinator", lambda w: f"/staff/partners/sent/{_partners(w)['referral_id']}/revoke/"),
    Target("haven.partners.forms.DecisionForm", "coordinator", lambda w: f"/staff/partners/received/{_partners(w)['incoming_id']}/decide/"),
    Target("haven.partners.forms.PackageUploadForm", "coordinator", lambda w: "/staff/partners/upload/"),
    Target("haven.partners.forms.ShareKeysForm", "coordinator", lambda w: "/staff/partners/keys/share/",
           good=lambda w: {"user": [_partners(w)["newcomer"]]}),
]  # fmt: skip


def _channels(w: World) -> dict[str, Any]:
    """An SMS channel and a case the caseworker holds (built once per world)."""
    if "_channels" not in w.__dict__:
        from haven.channels.tests import authz as channels_authz
        from haven.testing.authz import World as MatrixWorld

        matrix_world = MatrixWorld(w.personas)
        w.__dict__["_channels"] = {
            **channels_authz._channel(matrix_world),
            **channels_authz._case(matrix_world),
        }
    return w.__dict__["_channels"]  # type: ignore[no-any-return]


def _partners(w: World) -> dict[str, Any]:
    """The partners app's objects for the coordinator (built once per world)."""
    if "_partners" not in w.__dict__:
        from haven.partners.models import Referral
        from haven.partners.tests import authz as partners_authz
        from haven.testing.authz import World as MatrixWorld
        from haven.testing.personas import make_staff

        built = partners_authz._world(MatrixWorld(w.personas))
        referral = Referral.objects.get(pk=built["referral_id"])
        built["person_id"] = referral.people[0]
        built["newcomer"] = str(make_staff("fuzz-coordinator", "coordinator").pk)
        w.__dict__["_partners"] = built
    return w.__dict__["_partners"]  # type: ignore[no-any-return]


def _form_class(path: str) -> type[forms.Form]:
    import importlib

    module, _dot, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def test_every_form_in_the_project_is_fuzzed() -> None:
    import haven.urls  # noqa: F401  (imports every view, and with them every form)

    def subclasses(cls: type) -> set[type]:
        found = set()
        for sub in cls.__subclasses__():
            found |= {sub} | subclasses(sub)
        return found

    project = {
        f"{c.__module__}.{c.__qualname__}"
        for c in subclasses(forms.Form)
        if c.__module__.startswith("haven.") and ".tests." not in c.__module__
    }
    # Bases only ever used through their subclasses (HelpForm and CodenameForm; TestimonyForm
    # and ConsentForm).
    bases = {"haven.intake.forms.PortalForm", "haven.evidence.forms.ConsentFields"}
    assert project - bases - {t.form for t in TARGETS} == set()


@pytest.mark.slow
@pytest.mark.parametrize("target", TARGETS, ids=lambda t: ".".join(t.form.split(".")[1::2]))
def test_junk_in_a_form_never_fails_and_an_invalid_one_writes_nothing(
    target: Target, world: World, client_for
) -> None:  # type: ignore[no-untyped-def]
    form_class = _form_class(target.form)
    if target.persona == "anonymous":
        client = Client()
    elif target.persona == "portal":
        client = world.portal
    else:
        client = client_for(getattr(world.personas, target.persona))
    url = target.url(world)
    seen: list[int] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=DERANDOMIZE,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=junk_for(form_class, target.good(world)))
    def post_junk(data: dict) -> None:  # type: ignore[type-arg]
        # Judged before the post: a form may check the database (a user name already taken),
        # and the post itself may change the answer.
        invalid_alone = _standalone_invalid(form_class, data)
        before = row_counts()
        response = getattr(client, target.method)(url, data)
        assert response.status_code < 500, (response.status_code, data)
        seen.append(response.status_code)
        invalid = 400 <= response.status_code < 500 or invalid_alone
        if invalid:
            after = row_counts()
            changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
            assert not changed, f"an invalid submission wrote {changed}: {data!r}"[:3000]

    post_junk()
    assert seen, "no example was posted"
    # The view was reached (not a sign-in redirect or a 403/404 for the persona).
    assert any(code in (200, 302, 400) for code in seen), seen
