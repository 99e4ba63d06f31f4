"""The registry of the disappeared: reports, their status notes, links and match suggestions.

Every identifying field is sealed in the registry's vault (one vault: the registry is useful only
to people who can compare everyone in it). Plain columns hold only what lists, statistics and
PFIF bookkeeping need and what does not identify anyone: the current status, the source kind and
its reliability, dates, and PFIF record ids (``domain/local-id``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.lib.references import random_reference
from haven.vault.fields import SealedField
from haven.vault.models import UUIDModel, Vault, VaultOwned


def new_reference() -> str:
    return random_reference("MP")


class Status(models.TextChoices):
    INFORMATION_SOUGHT = "information_sought", _("Information sought")
    IN_HIDING = "in_hiding", _("In hiding")
    DETAINED = "detained", _("Detained")
    FORCIBLY_RETURNED = "forcibly_returned", _("Forcibly returned")
    BELIEVED_ALIVE = "believed_alive", _("Believed alive")
    BELIEVED_DEAD = "believed_dead", _("Believed dead")
    FOUND_SAFE = "found_safe", _("Found safe")
    FOUND_DEAD = "found_dead", _("Found dead")


class Sex(models.TextChoices):
    """As PFIF 1.4 has it. Sealed in the report (no column), shown through its label."""

    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")


class MissingPersonReport(UUIDModel):
    Status = Status

    class Source(models.TextChoices):
        FAMILY = "family", _("Family member")
        FRIEND = "friend", _("Friend or partner")
        WITNESS = "witness", _("Witness")
        PARTNER = "partner", _("Partner organisation")
        MEDIA = "media", _("Media or public list")
        STAFF = "staff", _("Our own staff")
        OTHER = "other", _("Other")

    class Reliability(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed by another source")
        PROBABLE = "probable", _("Probably true")
        POSSIBLE = "possible", _("Possibly true")
        DOUBTFUL = "doubtful", _("Doubtful")
        UNKNOWN = "unknown", _("Cannot be judged")

    reference = models.CharField(max_length=16, unique=True, default=new_reference)
    # PFIF person_record_id, "domain/local-id": ours for reports made here, the other
    # repository's for imported ones (kept, so a re-import finds them).
    record_id = models.CharField(max_length=255, unique=True)
    vault = models.ForeignKey(Vault, on_delete=models.PROTECT, related_name="missing_reports")
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.INFORMATION_SOUGHT
    )
    source_kind = models.CharField(max_length=16, choices=Source.choices, default=Source.OTHER)
    reliability = models.CharField(
        max_length=16, choices=Reliability.choices, default=Reliability.UNKNOWN
    )
    # The person
    full_name = SealedField()
    given_name = SealedField()
    family_name = SealedField()
    patronymic = SealedField()
    alternate_names = SealedField(kind="json")  # list of strings, any script
    sex = SealedField()  # female / male / other, as PFIF
    birth = SealedField(kind="json")  # {"date": "1994-05-02"} | {"year": 1994} | {"age": "30-35"}
    home_place = SealedField()
    description = SealedField()
    photo = SealedField(kind="bytes")
    photo_meta = SealedField(kind="json")  # {"type": "image/jpeg", "size": 12345}
    # Last seen
    last_seen = SealedField(kind="json")  # {"place", "date", "with_whom", "circumstances"}
    # Who reported it and how to reach them
    reporter = SealedField(kind="json")  # {"name", "contact", "relation"}
    source = SealedField(kind="json")  # {"name", "url", "date"}: where the report came from
    # PFIF fields Haven keeps but has no field of its own for (photo_url, profile_urls, the home
    # address in parts, the partner's expiry_date), so that an export gives them back.
    pfif_extra = SealedField(kind="json")
    entry_date = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # False when saved without the search-index key: not findable by name until indexed.
    name_indexed = models.BooleanField(default=False)

    class Meta:
        # The table keeps the name it had as `Report`: sealed fields' associated data names
        # the table (vault/keyring.py `_aad`), so another name would make every stored
        # ciphertext unreadable.
        db_table = "missing_report"
        indexes = [
            models.Index(fields=["status"]),
            models.Index(fields=["-updated_at"]),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: object, **kwargs: object) -> None:
        if self._state.adding:
            while MissingPersonReport.objects.filter(reference=self.reference).exists():
                self.reference = new_reference()
            if not self.record_id:
                self.record_id = f"{settings.HAVEN_PFIF_DOMAIN}/{self.reference}"
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class StatusNote(UUIDModel, VaultOwned):
    """One note in a report's history. The current status is the newest note's that has one."""

    report = models.ForeignKey(MissingPersonReport, on_delete=models.CASCADE, related_name="notes")
    record_id = models.CharField(max_length=255, unique=True)  # PFIF note_record_id
    status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    # When the information is from (PFIF source_date) and when it was entered here.
    source_date = models.DateTimeField(default=timezone.now)
    entry_date = models.DateTimeField(default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = SealedField()  # for imported notes: the other system's author
    text = SealedField()
    last_known_location = SealedField()
    # PFIF note fields with no Haven column (author_email, author_phone, author_made_contact,
    # email_of_found_person, phone_of_found_person, photo_url): kept sealed, exported back.
    pfif_extra = SealedField(kind="json")

    class Meta:
        ordering = ["-source_date", "-entry_date"]

    def save(self, *args: object, **kwargs: object) -> None:
        if self._state.adding and not self.record_id:
            self.record_id = f"{settings.HAVEN_PFIF_DOMAIN}/note.{self.id}"
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class HeldNote(UUIDModel, VaultOwned):
    """A PFIF note that arrived before the record it is about: a top-level note whose person is
    not in the registry yet, or a link note whose other person is not. Sealed like a note, it
    waits for `waiting_for` (a person_record_id) and becomes a note (or a link) when a later
    import brings that person; after `expires_at` it is dropped unread."""

    record_id = models.CharField(max_length=255, unique=True)  # the note_record_id
    waiting_for = models.CharField(max_length=255)  # the person_record_id it waits for
    held_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # The note as parsed (every PFIF field, dates as ISO text): read back only to apply it.
    note = SealedField(kind="json")

    class Meta:
        indexes = [models.Index(fields=["waiting_for"]), models.Index(fields=["expires_at"])]


class ReportLink(UUIDModel, VaultOwned):
    """Two reports of the same person, linked by a person who says why. Reciprocal (one row for
    the pair, shown on both), reversible (unlinking keeps the row, with who and why), and never a
    merge: both reports keep their own history."""

    report_a = models.ForeignKey(MissingPersonReport, on_delete=models.CASCADE, related_name="+")
    report_b = models.ForeignKey(MissingPersonReport, on_delete=models.CASCADE, related_name="+")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)
    reason = SealedField()
    unlinked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unlinked_at = models.DateTimeField(null=True, blank=True)
    unlink_reason = SealedField()

    class Meta:
        indexes = [models.Index(fields=["report_a"]), models.Index(fields=["report_b"])]


class CaseLink(UUIDModel, VaultOwned):
    """A registry report and a case that concern the same person (a reported person who reached
    us, or a client who disappeared). Sealed reason; reversible like :class:`ReportLink`."""

    report = models.ForeignKey(
        MissingPersonReport, on_delete=models.CASCADE, related_name="case_links"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="registry_links")
    person = models.ForeignKey(
        "cases.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)
    reason = SealedField()
    unlinked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unlinked_at = models.DateTimeField(null=True, blank=True)
    unlink_reason = SealedField()


class RegistryIndexEntry(models.Model):
    """Blind index of a report's name keys, under the same index key as the case people's
    (`cases.NameIndexEntry`), so that one query finds candidates on either side."""

    report = models.ForeignKey(
        MissingPersonReport, on_delete=models.CASCADE, related_name="index_entries"
    )
    value = models.CharField(max_length=8)

    class Meta:
        # (value, newest first, report): the candidate search reads a value's newest rows from
        # the index alone, without visiting the table (half its time at 20,000 reports).
        # (report, value): it reads the common keys of the candidates it found by report, not
        # every row of a common key (matching._shared).
        indexes = [
            models.Index(fields=["value", "-id", "report"], name="missing_reg_value_newest"),
            models.Index(fields=["report", "value"]),
        ]


class MatchCandidate(UUIDModel, VaultOwned):
    """A suggestion that a report and another report (or a person in a case) are the same
    person. Found through the blind index; scored by someone who can open both sides; decided by
    a person. A rejected pair is never suggested again."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        CONFIRMED = "confirmed", _("Same person")
        REJECTED = "rejected", _("Not the same person")
        DISMISSED = "dismissed", _("Names do not match")

    # vault (from VaultOwned): the registry's
    report = models.ForeignKey(MissingPersonReport, on_delete=models.CASCADE, related_name="+")
    other_report = models.ForeignKey(
        MissingPersonReport, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        "cases.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # A hotline request whose messages name someone in the registry (names found by the
    # redaction engine's person recogniser when a triage holder of the index opens it).
    help_request = models.ForeignKey(
        "intake.HelpRequest", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    score = models.FloatField(
        null=True, blank=True
    )  # None until someone able to see both scores it
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    found_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = SealedField()  # why the person decided as they did

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "other_report"],
                condition=models.Q(other_report__isnull=False),
                name="one_candidate_per_report_pair",
            ),
            models.UniqueConstraint(
                fields=["report", "person"],
                condition=models.Q(person__isnull=False),
                name="one_candidate_per_report_person",
            ),
            models.UniqueConstraint(
                fields=["report", "help_request"],
                condition=models.Q(help_request__isnull=False),
                name="one_candidate_per_report_request",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        other_report__isnull=False, person__isnull=True, help_request__isnull=True
                    )
                    | models.Q(
                        other_report__isnull=True, person__isnull=False, help_request__isnull=True
                    )
                    | models.Q(
                        other_report__isnull=True, person__isnull=True, help_request__isnull=False
                    )
                ),
                name="candidate_has_one_other_side",
            ),
        ]
        indexes = [models.Index(fields=["decision", "-score"])]


class RegistryCheck(models.Model):
    """How many messages of a hotline request were last looked at for registry names, so that
    the names are extracted again only when the person has written more."""

    help_request = models.OneToOneField(
        "intake.HelpRequest", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    messages = models.PositiveIntegerField(default=0)
    checked_at = models.DateTimeField(default=timezone.now)
