"""Forms of the partners app: they validate and normalise, never save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.partners import package as pkg
from haven.partners.actions import SHAREABLE_FIELDS
from haven.partners.models import Purpose

FIELD_LABELS = {
    "given_name": _("Given name"),
    "family_name": _("Family name"),
    "patronymic": _("Patronymic"),
    "aliases": _("Other names"),
    "birth": _("Date of birth"),
    "contacts": _("Contacts"),
    "trusted_contacts": _("Trusted contacts"),
    "notes": _("Notes"),
    "health_safety": _("Health and safety"),
    "family_risk": _("Risk from family"),
    "documents": _("Identity documents"),
    "gender": _("Gender"),
    "languages": _("Languages"),
}


class PartnerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    alternate_name = forms.CharField(label=_("Other name"), max_length=200, required=False)
    description = forms.CharField(
        label=_("What it does"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    services = forms.CharField(
        label=_("Services"),
        max_length=300,
        required=False,
        help_text=_("For example: resettlement, legal aid, shelter, documentation."),
    )
    countries = forms.CharField(
        label=_("Countries"),
        max_length=300,
        required=False,
        help_text=_("Two-letter country codes, separated by commas (DE, NL, CA)."),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    haven_url = forms.URLField(
        label=_("Address of their Haven"),
        required=False,
        assume_scheme="https",
        help_text=_("Leave empty if packages travel as files only."),
    )
    age_recipient = forms.CharField(
        label=_("Their encryption key (age)"), max_length=100, help_text=_("Starts with age1.")
    )
    verify_key = forms.CharField(
        label=_("Their signing key (Ed25519)"),
        max_length=64,
        help_text=_("64 hexadecimal digits, from their directory page."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def clean_countries(self) -> list[str]:
        codes = [c.strip().upper() for c in self.cleaned_data["countries"].split(",") if c.strip()]
        bad = [c for c in codes if len(c) != 2 or not c.isalpha()]
        if bad:
            raise forms.ValidationError(_("Use two-letter country codes, such as DE or CA."))
        return codes

    def clean_age_recipient(self) -> str:
        value = self.cleaned_data["age_recipient"].strip()
        if not pkg.valid_age_recipient(value):
            raise forms.ValidationError(_("This is not an age public key (it starts with age1)."))
        return value

    def clean_verify_key(self) -> str:
        value = self.cleaned_data["verify_key"].strip().lower()
        if not pkg.valid_verify_key(value):
            raise forms.ValidationError(
                _("This is not an Ed25519 public key (64 hexadecimal digits).")
            )
        return value


class ConsentForm(forms.Form):
    person = forms.ChoiceField(label=_("Who consented"))
    partner = forms.ChoiceField(label=_("To which organisation"))
    purpose = forms.ChoiceField(label=_("To what"), choices=Purpose.choices)
    given_on = forms.DateField(
        label=_("When"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    how = forms.CharField(
        label=_("How it was given"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: in a call with the caseworker, repeated in writing."),
    )

    def __init__(
        self,
        *args: Any,
        people: list[tuple[str, str]],
        partners: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = people  # type: ignore[attr-defined]
        self.fields["partner"].choices = partners  # type: ignore[attr-defined]


class ReferralForm(forms.Form):
    partner = forms.ChoiceField(label=_("To which organisation"))
    purpose = forms.ChoiceField(label=_("What"), choices=Purpose.choices, initial=Purpose.REFERRAL)
    people = forms.MultipleChoiceField(
        label=_("People"), widget=forms.CheckboxSelectMultiple, required=False
    )
    shared_fields = forms.MultipleChoiceField(
        label=_("Fields to send (a referral)"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        choices=[(k, FIELD_LABELS[k]) for k in SHAREABLE_FIELDS],
    )
    documents = forms.MultipleChoiceField(
        label=_("Documents to send (a referral)"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    message = forms.CharField(
        label=_("Message to the organisation"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    override_reason = forms.CharField(
        label=_("Reason to send without recorded consent"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only if someone chosen has not consented; a second coordinator must approve."),
    )

    def __init__(
        self,
        *args: Any,
        partners: list[tuple[str, str]],
        people: list[tuple[str, str]],
        documents: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = partners  # type: ignore[attr-defined]
        self.fields["people"].choices = people  # type: ignore[attr-defined]
        self.fields["documents"].choices = documents  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("purpose") == Purpose.REFERRAL:
            if not data.get("people"):
                self.add_error("people", _("Choose at least one person."))
            if not data.get("shared_fields"):
                self.add_error("shared_fields", _("Choose the fields to send."))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class DecisionForm(ReasonForm):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("accept", _("Accept")), ("reject", _("Reject"))]
    )


class PackageUploadForm(forms.Form):
    package = forms.FileField(label=_("Package file from a partner"))


class ShareKeysForm(forms.Form):
    user = forms.ChoiceField(label=_("Coordinator"))
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, users: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = users  # type: ignore[attr-defined]
