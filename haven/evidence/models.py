"""Evidence: incidents in the "who did what to whom" model, testimonies with per-audience consent,
attachments hashed at capture, and the chain of custody.

Every incident has its own evidence vault; every row below carries that vault and seals in it
whatever identifies anyone (names, places, free text, files, file hashes). Plain columns hold
only codes, dates, counts and flags: what reports need and what names nobody.

File hashes are sealed too: whoever seized a phone holds the same photo, and a plain SHA-256 in
a stolen database would confirm that this organisation has it, and so who talked to it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.lib.references import random_reference
from haven.vault.fields import SealedField
from haven.vault.models import UUIDModel, Vault, VaultOwned


def new_reference() -> str:
    return random_reference("EV")


class Violation(models.TextChoices):
    ARBITRARY_DETENTION = "arbitrary_detention", _("Arbitrary detention")
    TORTURE = "torture", _("Torture")
    ILL_TREATMENT = "ill_treatment", _("Ill-treatment")
    SEXUAL_VIOLENCE = "sexual_violence", _("Sexual violence")
    KILLING = "killing", _("Killing")
    ENFORCED_DISAPPEARANCE = "enforced_disappearance", _("Enforced disappearance")
    FORCED_RETURN = "forced_return", _("Forced return")
    EXTORTION = "extortion", _("Extortion or blackmail")
    THREATS_TO_FAMILY = "threats_to_family", _("Threats to family")
    FORCED_OUTING = "forced_outing", _("Forced outing or public humiliation")
    SURVEILLANCE = "surveillance", _("Surveillance or search of a phone")
    OTHER = "other", _("Other")


class Audience(models.TextChoices):
    """Who may receive a testimony (consent) and whom a bundle is for."""

    INTERNAL = "internal", _("Internal use only")
    PARTNER_NGO = "partner_ngo", _("Partner NGOs")
    UN = "un", _("UN bodies")
    COURT = "court", _("Courts")
    MEDIA = "media", _("Media and publication")


class EvidenceIncident(UUIDModel):
    class Precision(models.TextChoices):
        DAY = "day", _("Exact day")
        MONTH = "month", _("Month")
        YEAR = "year", _("Year")
        RANGE = "range", _("Between two dates")
        UNKNOWN = "unknown", _("Unknown")

    reference = models.CharField(max_length=16, unique=True, default=new_reference)
    vault = models.ForeignKey(Vault, on_delete=models.PROTECT, related_name="incidents")
    violations = models.JSONField(default=list)  # Violation codes
    date_start = models.DateField(null=True, blank=True)
    date_end = models.DateField(null=True, blank=True)
    date_precision = models.CharField(
        max_length=8, choices=Precision.choices, default=Precision.DAY
    )
    region = models.CharField(max_length=64, blank=True)  # coarse, as cases.region_of_origin
    title = SealedField()
    summary = SealedField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # The table keeps the name it had as `Incident`: sealed fields' associated data names
        # the table (vault/keyring.py `_aad`), so another name would make every stored
        # ciphertext unreadable.
        db_table = "evidence_incident"
        indexes = [models.Index(fields=["-updated_at"])]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: object, **kwargs: object) -> None:
        if self._state.adding:
            while EvidenceIncident.objects.filter(reference=self.reference).exists():
                self.reference = new_reference()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def violation_labels(self) -> list[str]:
        return [str(Violation(v).label) for v in self.violations if v in Violation.values]


class Place(UUIDModel, VaultOwned):
    """A place in an incident, a record of its own with its kind; a detention site is a kind of
    its own, so that sites can be listed across incidents by kind. (One shared register of
    sites, cited by several incidents, is not built: see docs/evidence.md.)"""

    class Kind(models.TextChoices):
        DETENTION_SITE = "detention_site", _("Detention site")
        ARREST = "arrest", _("Place of arrest or abduction")
        CHECKPOINT = "checkpoint", _("Checkpoint")
        HOME = "home", _("Home")
        OTHER = "other", _("Other place")

    incident = models.ForeignKey(EvidenceIncident, on_delete=models.CASCADE, related_name="places")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.OTHER)
    name = SealedField()
    description = SealedField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]


class Perpetrator(UUIDModel, VaultOwned):
    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        UNIT = "unit", _("Unit or body")

    incident = models.ForeignKey(
        EvidenceIncident, on_delete=models.CASCADE, related_name="perpetrators"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INDIVIDUAL)
    name = SealedField()  # a name, nickname or call sign; a unit's name
    unit = SealedField()
    role = SealedField()  # what they did in this incident
    known_how = SealedField()  # how the witness knows who they are
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]


class Victim(UUIDModel, VaultOwned):
    """A victim, linked to a person in a case, or later to a missing-persons registry report.

    The link is a kind plus ids: `case`/`person`, or `registry_report_id` (the id of a
    `missing.Report`, kept as a plain UUID rather than a foreign key so that the two apps'
    migrations stay independent; a report deleted from the registry leaves the id dangling and
    the victim's own description in place). The exporter may not hold the case or registry
    vault, so bundles never read names from there: only this row's own sealed description,
    written by the documentation officer for this incident."""

    class Link(models.TextChoices):
        CASE_PERSON = "case_person", _("A person in a case")
        REGISTRY_REPORT = "registry_report", _("A missing-persons report")
        UNLINKED = "unlinked", _("Not linked")

    incident = models.ForeignKey(EvidenceIncident, on_delete=models.CASCADE, related_name="victims")
    link = models.CharField(max_length=16, choices=Link.choices, default=Link.UNLINKED)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person = models.ForeignKey(
        "cases.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    registry_report_id = models.UUIDField(null=True, blank=True)
    description = SealedField()  # who they are, as this incident's record needs it
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]


class Source(UUIDModel, VaultOwned):
    """Where a piece of knowledge comes from: a witness, a document, a media report ... with
    its reliability graded on the usual A (reliable) to F (cannot be judged) scale."""

    class Kind(models.TextChoices):
        VICTIM = "victim", _("Victim's own account")
        WITNESS = "witness", _("Witness")
        DOCUMENT = "document", _("Document")
        MEDIA = "media", _("Media report")
        OPEN_SOURCE = "open_source", _("Open source (online)")
        OTHER = "other", _("Other")

    class Reliability(models.TextChoices):
        A = "A", _("A – reliable")
        B = "B", _("B – usually reliable")
        C = "C", _("C – fairly reliable")
        D = "D", _("D – not usually reliable")
        E = "E", _("E – unreliable")
        F = "F", _("F – cannot be judged")

    incident = models.ForeignKey(EvidenceIncident, on_delete=models.CASCADE, related_name="sources")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.WITNESS)
    reliability = models.CharField(max_length=1, choices=Reliability.choices, default=Reliability.F)
    description = SealedField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]


class Testimony(UUIDModel, VaultOwned):
    class Language(models.TextChoices):
        RU = "ru", _("Russian")
        EN = "en", _("English")
        CE = "ce", _("Chechen")
        OTHER = "other", _("Other or unknown")

    incident = models.ForeignKey(
        EvidenceIncident, on_delete=models.CASCADE, related_name="testimonies"
    )
    given_by = SealedField()  # who gave it: a name, or how the person is known
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    given_on = models.DateField()
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.RU)
    text = SealedField()
    # Consent, per audience (Audience codes), and whether the person may be named.
    consent = models.JSONField(default=list)
    may_be_named = models.BooleanField(default=False)
    # Redaction review: the engine's proposals, then the text a person accepted.
    proposals = SealedField(kind="json")  # [{"start", "end", "original", "category", ...}]
    reviewed_text = SealedField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def consents_to(self, audience: str) -> bool:
        return audience in self.consent

    def consent_labels(self) -> list[str]:
        return [str(Audience(a).label) for a in self.consent if a in Audience.values]


class EvidenceAttachment(UUIDModel, VaultOwned):
    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", _("Unverified")
        CORROBORATED = "corroborated", _("Corroborated")
        DOUBTFUL = "doubtful", _("Doubtful")

    incident = models.ForeignKey(
        EvidenceIncident, on_delete=models.CASCADE, related_name="attachments"
    )
    testimony = models.ForeignKey(
        Testimony, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    # The original as received, byte for byte; never rewritten (only crypto-deleted).
    original = SealedField(kind="bytes")
    sha256 = SealedField()  # hex, computed at capture from the bytes received
    # name (made safe), declared type, capture notes: who recorded it, on what device, when
    capture = SealedField(kind="json")
    size = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=16, blank=True)  # detected from the bytes; "" if unknown
    # Problem codes of haven.lib.uploads: a file that fails to parse is kept as an opaque
    # original, flagged here, with no working copy.
    problems = models.JSONField(default=list)
    working_copy = SealedField(kind="bytes")  # metadata stripped, for sharing
    working_sha256 = SealedField()
    verification = models.CharField(
        max_length=16, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    verification_notes = SealedField()
    captured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    captured_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table keeps the name it had as `Attachment`: sealed fields' associated data names
        # the table (vault/keyring.py `_aad`), so another name would make every stored
        # ciphertext unreadable.
        db_table = "evidence_attachment"
        ordering = ["captured_at"]

    @property
    def is_opaque(self) -> bool:
        return bool(self.problems)


class CustodyEvent(UUIDModel, VaultOwned):
    """One link in an attachment's chain of custody: who did what, when, why, and the SHA-256
    of the original at that moment (recomputed from the stored bytes, not copied)."""

    class Action(models.TextChoices):
        CAPTURE = "capture", _("Captured")
        VIEW = "view", _("Viewed")
        DOWNLOAD = "download", _("Downloaded")
        EXPORT = "export", _("Exported")
        TRANSFER = "transfer", _("Transferred to another organisation")
        VERIFY = "verify", _("Verification changed")
        DELETE = "delete", _("Deleted")

    attachment = models.ForeignKey(
        EvidenceAttachment, on_delete=models.CASCADE, related_name="custody"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    sha256 = SealedField()  # "" once the original has been deleted
    reason = SealedField()
    detail = SealedField(kind="json")  # recipient organisation, audience, which copy ...

    class Meta:
        ordering = ["at"]
        indexes = [models.Index(fields=["attachment", "at"])]


class Export(UUIDModel, VaultOwned):
    """A bundle that left Haven: for whom, by whom, and whether consent was overridden."""

    incident = models.ForeignKey(EvidenceIncident, on_delete=models.CASCADE, related_name="exports")
    audience = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    files = models.PositiveIntegerField(default=0)
    bundle_sha256 = SealedField()
    override_reason = SealedField()
    approval_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]

    @property
    def audience_label(self) -> str:
        from haven.evidence.bundle import BundleAudience

        return (
            str(BundleAudience(self.audience).label)
            if self.audience in BundleAudience.values
            else self.audience
        )
