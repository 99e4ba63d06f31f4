"""The case: one file that follows a person (or a group travelling together) to safety.

Identifying content is sealed in the case's vault. Plain columns hold only what reports and the
worker need and what does not identify anyone: states, dates, risk, destination country,
pathway, outcome."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from haven.cases import regions
from haven.lib.references import random_reference
from haven.vault.fields import SealedField
from haven.vault.models import UUIDModel, Vault, VaultOwned


def new_reference() -> str:
    return random_reference("HV")


class State(models.TextChoices):
    INTAKE = "intake", _("Intake")
    VETTING = "vetting", _("Vetting")
    PLANNING = "planning", _("Planning")
    IN_TRANSIT = "in_transit", _("In transit")
    SHELTERED = "sheltered", _("Sheltered")
    DOCUMENTS = "documents", _("Documents")
    DEPARTED = "departed", _("Departed")
    RESETTLED = "resettled", _("Resettled")
    CLOSED = "closed", _("Closed")
    MISSING = "missing", _("Missing")
    DETAINED = "detained", _("Detained")
    DECEASED = "deceased", _("Deceased")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = State
SIDE = {S.MISSING, S.DETAINED, S.DECEASED, S.WITHDRAWN}
# The pipeline, declared once. Side states can be entered from any active state.
TRANSITIONS: dict[str, set[str]] = {
    S.INTAKE: {S.VETTING, S.WITHDRAWN, S.CLOSED},
    S.VETTING: {S.PLANNING, S.CLOSED},
    S.PLANNING: {S.IN_TRANSIT, S.SHELTERED, S.DOCUMENTS},
    S.IN_TRANSIT: {S.SHELTERED, S.DEPARTED, S.PLANNING},
    S.SHELTERED: {S.DOCUMENTS, S.IN_TRANSIT, S.PLANNING, S.DEPARTED},
    S.DOCUMENTS: {S.DEPARTED, S.SHELTERED, S.IN_TRANSIT},
    S.DEPARTED: {S.RESETTLED},
    S.RESETTLED: {S.CLOSED},
    S.MISSING: {S.PLANNING, S.SHELTERED, S.DETAINED, S.DECEASED, S.CLOSED},
    S.DETAINED: {S.PLANNING, S.SHELTERED, S.MISSING, S.DECEASED, S.CLOSED},
    S.DECEASED: {S.CLOSED},
    S.WITHDRAWN: {S.INTAKE, S.CLOSED},
    S.CLOSED: set(),
}
for _active in (
    S.INTAKE,
    S.VETTING,
    S.PLANNING,
    S.IN_TRANSIT,
    S.SHELTERED,
    S.DOCUMENTS,
    S.DEPARTED,
):
    TRANSITIONS[_active] |= SIDE
# States that need a coordinator's approved vetting before the case may enter them.
NEEDS_VETTING = {S.PLANNING, S.IN_TRANSIT, S.SHELTERED, S.DOCUMENTS, S.DEPARTED}


class Case(UUIDModel):
    State = State

    class Risk(models.TextChoices):
        CRITICAL = "critical", _("Critical")
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")

    class Pathway(models.TextChoices):
        HUMANITARIAN_VISA = "humanitarian_visa", _("Humanitarian visa")
        OTHER_VISA = "other_visa", _("Other visa")
        ASYLUM_ON_ARRIVAL = "asylum_on_arrival", _("Asylum on arrival")
        RESETTLEMENT = "resettlement", _("Resettlement programme")
        IN_COUNTRY = "in_country", _("Relocation within the country")

    class Outcome(models.TextChoices):
        IN_COUNTRY = "in_country", _("Relocated within the country")
        ABROAD = "abroad", _("Relocated abroad")

    reference = models.CharField(max_length=16, unique=True, default=new_reference)
    vault = models.ForeignKey(Vault, on_delete=models.PROTECT, related_name="cases")
    state = models.CharField(max_length=16, choices=State.choices, default=State.INTAKE)
    risk = models.CharField(max_length=16, choices=Risk.choices, default=Risk.MEDIUM)
    risk_reason = SealedField()
    # A code from haven.cases.regions, never free text: it is plaintext, for the statistics.
    region_of_origin = models.CharField(max_length=64, blank=True)
    # Anything more precise about where the person comes from, sealed in the case vault.
    region_detail = SealedField()
    # Free text from before the closed list that no code matched, waiting for someone holding
    # the case vault to seal it into region_detail (`haven seal-regions`). Plaintext, as the
    # old column was: a migration holds no keys. The system check haven.W101 reports it.
    region_unsealed = models.CharField(max_length=64, blank=True)
    destination_country = models.CharField(max_length=2, blank=True)  # ISO 3166-1 alpha-2
    pathway = models.CharField(max_length=24, choices=Pathway.choices, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    outcome_country = models.CharField(max_length=2, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    state_changed_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["state", "risk"]),
            models.Index(fields=["-created_at"]),
            # The case list's order and keyset cursor (haven.cases.queries): a page is read
            # from this index and stops after 50 rows, whatever the number of cases.
            models.Index(fields=["-updated_at", "-id"], name="case_list_order"),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: object, **kwargs: object) -> None:
        if self._state.adding:
            while Case.objects.filter(reference=self.reference).exists():
                self.reference = new_reference()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def allowed_next(self) -> list[str]:
        return sorted(TRANSITIONS[self.state], key=list(State.values).index)

    def is_vetted(self) -> bool:
        """A coordinator approved this case's vetting. The one rule behind "no placement before
        vetting": entering a placement state (`transition`) and placing the case in a safe house
        (`safety.actions.place`) both ask here, so neither path can skip it. An informant posing
        as a victim must not learn where a safe house is."""
        return Vetting.objects.filter(case=self, decision=Vetting.Decision.APPROVED).exists()

    def placement_refusal(self) -> str | None:
        """Why this case may not be placed or moved yet (translated), or None if it may."""
        if self.is_vetted():
            return None
        return str(_("Vetting must be approved by a coordinator before any placement or travel."))

    @property
    def region_label(self) -> str:
        return regions.label(self.region_of_origin)


class CaseAssignment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_assignments"
    )
    role = models.CharField(max_length=16, default="caseworker")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"], name="one_assignment_per_case_and_user"
            )
        ]


class Person(UUIDModel, VaultOwned):
    """A person in a case. Every identifying field is sealed in the case's vault."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="people")
    given_name = SealedField()
    family_name = SealedField()
    patronymic = SealedField()
    aliases = SealedField(kind="json")  # other names, nicknames and spellings, any script
    notes = SealedField()
    gender = SealedField()  # as the person states it
    birth = SealedField(kind="json")  # {"date": "1998-03-12"} or {"year": 1998}
    languages = SealedField(kind="json")
    contacts = SealedField(kind="json")  # phones and messenger handles
    documents = SealedField(kind="json")  # {"passport": "yes|no|confiscated", "expiry": "..."}
    health_safety = SealedField()
    family_risk = SealedField()
    trusted_contacts = SealedField()
    # False when saved by someone without the search-index key: the names are not findable
    # until someone holding both keys indexes them (actions.index_pending_people).
    name_indexed = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # Partial: the case list asks "anyone pending?" on every page, and almost nobody is.
        indexes = [
            models.Index(
                fields=["name_indexed"],
                condition=models.Q(name_indexed=False),
                name="person_pending_name_index",
            )
        ]


class CaseTransition(UUIDModel, VaultOwned):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=16, choices=State.choices)
    to_state = models.CharField(max_length=16, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    reason = SealedField()
    # Days spent in `from_state`: from the case's previous transition (or its creation) to this
    # one. Written with the transition, so that the statistics' time-in-stage medians are read
    # from an index instead of pairing every transition with the one before it on each view.
    # None for a row written around the actions (the statistics then compute it themselves).
    days_in_stage = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["at"]
        indexes = [
            models.Index(fields=["to_state", "at"]),
            models.Index(fields=["from_state", "days_in_stage"], name="transition_stage_days"),
        ]


class CaseNote(UUIDModel, VaultOwned):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    text = SealedField()

    class Meta:
        ordering = ["-created_at"]


class Task(UUIDModel, VaultOwned):
    class Kind(models.TextChoices):
        VISA_APPOINTMENT = "visa_appointment", _("Visa appointment")
        COURT_DEADLINE = "court_deadline", _("Court deadline")
        DOCUMENT_EXPIRY = "document_expiry", _("Document expiry")
        CALL = "call", _("Call or meeting")
        # Opened by the safety watch when the person's safe house is compromised; it carries no
        # title (the worker and the marking coordinator may hold no key to the case).
        RELOCATE = "relocate", _("Move out of a compromised safe house now")
        OTHER = "other", _("Other")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(max_length=24, choices=Kind.choices, default=Kind.OTHER)
    title = SealedField()
    due_date = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_date"]
        indexes = [models.Index(fields=["done_at", "due_date"])]


class Vetting(VaultOwned):
    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, primary_key=True, related_name="vetting"
    )
    identity_corroborated = models.BooleanField(default=False)
    vouched_for = models.BooleanField(default=False)
    interview_done = models.BooleanField(default=False)
    red_flags = SealedField()
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)


class RelocationDocument(UUIDModel, VaultOwned):
    class Status(models.TextChoices):
        TO_PREPARE = "to_prepare", _("To prepare")
        SUBMITTED = "submitted", _("Submitted")
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")
        EXPIRED = "expired", _("Expired")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="relocation_documents")
    kind = SealedField()  # "Schengen humanitarian visa, Germany", "foreign passport", ...
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.TO_PREPARE)
    deadline = models.DateField(null=True, blank=True)
    notes = SealedField()
    updated_at = models.DateTimeField(default=timezone.now)


class ApprovalRequest(UUIDModel):
    """The two-person rule: a sensitive disclosure needs a second coordinator's yes."""

    class Kind(models.TextChoices):
        DISCLOSE_VAULT = "disclose_vault", _("Give a new person access")
        EXPORT_IDENTIFIED = "export_identified", _("Export identified data")
        # Burning another staff account: no vault (target_user is the account), no reason text.
        BURN_ACCOUNT = "burn_account", _("Burn a staff account")
        # Bloom-filter encodings of every case person the requester holds, for a partner
        # comparison (haven.linkage): bound to the search-index vault, the one compartment that
        # spans the case list (docs/linkage.md says why).
        ENCODE_CASES = "encode_cases", _("Encode the case list for a partner comparison")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a second coordinator")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    kind = models.CharField(max_length=24, choices=Kind.choices)
    vault = models.ForeignKey(
        Vault, null=True, blank=True, on_delete=models.CASCADE, related_name="approval_requests"
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = SealedField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # When the approved action happened: the grant for a disclosure, the export for an export
    # (one approval allows one export), the encoding of the case list.
    executed_at = models.DateTimeField(null=True, blank=True)

    # A second coordinator's yes is about a need of now: a request nobody decided within a week
    # lapses (ask again), and an approval not used within three days of it cannot be used.
    DECIDE_WITHIN = dt.timedelta(days=7)
    USE_WITHIN = dt.timedelta(days=3)

    class Meta:
        indexes = [models.Index(fields=["status", "requested_at"])]

    @classmethod
    def undecided(cls) -> models.QuerySet[ApprovalRequest]:
        """Requests still waiting for a decision (a lapsed one waits for nobody)."""
        return cls.objects.filter(
            status=cls.Status.PENDING, requested_at__gt=timezone.now() - cls.DECIDE_WITHIN
        )

    def lapsed(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        if self.status == self.Status.PENDING:
            return self.requested_at <= now - self.DECIDE_WITHIN
        if self.status == self.Status.APPROVED and self.executed_at is None and self.decided_at:
            return self.decided_at <= now - self.USE_WITHIN
        return False

    def state_label(self) -> str:
        """The status as a page shows it, a lapsed request or approval named as such."""
        if self.lapsed():
            if self.status == self.Status.PENDING:
                return gettext("Lapsed: not decided within a week")
            return gettext("Lapsed: approved, not used within three days")
        return str(self.get_status_display())


class NameIndexEntry(models.Model):
    """Blind index of name keys: truncated HMACs under the index vault's key. One value matches
    several people on purpose; matches are checked after decryption."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="index_entries")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    value = models.CharField(max_length=8)

    class Meta:
        # See RegistryIndexEntry: missing.matching._shared reads both alike.
        indexes = [
            models.Index(fields=["value", "-id", "person"], name="cases_name_value_newest"),
            models.Index(fields=["person", "value"]),
        ]
