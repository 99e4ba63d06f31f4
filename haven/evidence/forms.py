"""Evidence forms: they validate and normalise, never save. Every message is translated."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.accounts.models import User
from haven.evidence import actions
from haven.evidence.bundle import BundleAudience
from haven.evidence.models import (
    Audience,
    EvidenceAttachment,
    EvidenceIncident,
    Perpetrator,
    Place,
    Source,
    Testimony,
    Violation,
)

TEXT_LIMIT = 200_000


class IncidentForm(forms.Form):
    title = forms.CharField(
        label=_("Short title"),
        max_length=300,
        error_messages={"required": _("Give the incident a short title.")},
    )
    violations = forms.MultipleChoiceField(
        label=_("Violations"),
        choices=Violation.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one violation."),
            "invalid_choice": _("Choose violations from the list."),
        },
    )
    date_precision = forms.ChoiceField(
        label=_("How precise is the date"),
        choices=EvidenceIncident.Precision.choices,
        initial=EvidenceIncident.Precision.DAY,
    )
    date_start = forms.DateField(
        label=_("Date (or first day)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
    )
    date_end = forms.DateField(
        label=_("Last day (for a range)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
    )
    region = forms.CharField(
        label=_("Region"),
        required=False,
        max_length=64,
        help_text=_("Only the republic or region: it is not sealed and is used in statistics."),
    )
    summary = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=TEXT_LIMIT,
    )
    colleague = forms.ModelChoiceField(
        label=_("Share with a colleague (optional)"),
        queryset=User.objects.none(),
        required=False,
        help_text=_(
            "A lawyer, documentation officer or coordinator; nobody else can open this incident."
        ),
    )

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = User.objects.filter(
            role_assignments__role__in=actions.SHARE_ROLES, is_active=True
        ).distinct()
        if user is not None:
            qs = qs.exclude(pk=user.pk)
        cast(forms.ModelChoiceField, self.fields["colleague"]).queryset = qs.order_by("username")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_start"), data.get("date_end")
        precision = data.get("date_precision")
        if precision == EvidenceIncident.Precision.RANGE and not (start and end):
            self.add_error("date_end", _("A range needs a first and a last day."))
        if start and end and end < start:
            self.add_error("date_end", _("The last day is before the first day."))
        if precision not in (None, EvidenceIncident.Precision.UNKNOWN) and not start:
            self.add_error("date_start", _("Give a date, or choose “Unknown”."))
        today = timezone.localdate()
        if start and start > today:
            self.add_error("date_start", _("This date is in the future."))
        return data


class PlaceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of place"), choices=Place.Kind.choices)
    name = forms.CharField(
        label=_("Name"), max_length=500, error_messages={"required": _("Name the place.")}
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
    )


class PerpetratorForm(forms.Form):
    kind = forms.ChoiceField(label=_("Individual or unit"), choices=Perpetrator.Kind.choices)
    name = forms.CharField(
        label=_("Name, nickname or call sign"),
        max_length=500,
        error_messages={"required": _("Say how the perpetrator is called.")},
    )
    unit = forms.CharField(label=_("Unit or body"), max_length=500, required=False)
    role = forms.CharField(label=_("What they did"), max_length=2000, required=False)
    known_how = forms.CharField(
        label=_("How the witness knows who they are"), max_length=2000, required=False
    )


class VictimForm(forms.Form):
    description = forms.CharField(
        label=_("Who the victim is (for this record)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        error_messages={"required": _("Describe the victim.")},
    )
    case_reference = forms.CharField(
        label=_("Case reference (optional)"),
        max_length=16,
        required=False,
        help_text=_("Links the victim to a case you can open, e.g. HV-7K2M9Q."),
    )
    report_reference = forms.CharField(
        label=_("Missing-persons report (optional)"),
        max_length=16,
        required=False,
        help_text=_("Or to a report in the registry you can open, e.g. MP-7K2M9Q."),
    )


class SourceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of source"), choices=Source.Kind.choices)
    reliability = forms.ChoiceField(
        label=_("Reliability"), choices=Source.Reliability.choices, initial="F"
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        error_messages={"required": _("Describe the source.")},
    )


class ConsentFields(forms.Form):
    consent = forms.MultipleChoiceField(
        label=_("Consent: who may receive this testimony"),
        choices=Audience.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": _("Choose audiences from the list.")},
    )
    may_be_named = forms.BooleanField(
        label=_("The person may be named (otherwise always anonymised)"), required=False
    )


class TestimonyForm(ConsentFields):
    given_by = forms.CharField(
        label=_("Given by"),
        max_length=500,
        help_text=_("A name, or how the person is known."),
        error_messages={"required": _("Say who gave the testimony.")},
    )
    given_on = forms.DateField(
        label=_("Date given"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Give the date of the testimony."),
            "invalid": _("Enter a date as YYYY-MM-DD."),
        },
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=Testimony.Language.choices,
        error_messages={
            "invalid_choice": _(
                "Unknown language: choose one from the list, or “Other or unknown”."
            )
        },
    )
    text = forms.CharField(
        label=_("Testimony"),
        widget=forms.Textarea(attrs={"rows": 14}),
        strip=False,
        error_messages={"required": _("The testimony is empty.")},
    )
    field_order = ["given_by", "given_on", "language", "text", "consent", "may_be_named"]

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        if not text.strip():
            raise forms.ValidationError(_("The testimony is empty."))
        if len(text) > TEXT_LIMIT:
            raise forms.ValidationError(
                _(
                    "The text is %(length)d characters long; the limit is %(limit)d. Split it into two testimonies."
                )
                % {"length": len(text), "limit": TEXT_LIMIT}
            )
        return text

    def clean_given_on(self) -> datetime.date:
        day = self.cleaned_data["given_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        return day


class ConsentForm(ConsentFields):
    pass


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        error_messages={
            "required": _("Choose a file."),
            "empty": _("This file is empty (zero bytes); nothing was saved."),
            "invalid": _("No file was received; try again."),
        },
        allow_empty_file=True,
    )
    testimony = forms.ModelChoiceField(
        label=_("Part of testimony (optional)"),
        queryset=Testimony.objects.none(),
        required=False,
        help_text=_("For a recording of a testimony."),
    )
    notes = forms.CharField(
        label=_("Capture notes"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
        help_text=_("Who recorded it, on what device, when and how it reached us."),
    )

    def __init__(self, *args: Any, incident: EvidenceIncident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["testimony"])
        field.queryset = incident.testimonies.order_by("created_at")
        field.label_from_instance = lambda obj: _("Testimony of %(day)s") % {"day": obj.given_on}  # type: ignore[method-assign]

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size == 0:
            raise forms.ValidationError(_("This file is empty (zero bytes); nothing was saved."))
        limit = actions.max_file_bytes()
        if f.size > limit:
            raise forms.ValidationError(
                _("This file is larger than %(mb)d MB; nothing was saved.")
                % {"mb": limit // (1024 * 1024)}
            )
        return f


class VerificationForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Verification"), choices=EvidenceAttachment.Verification.choices
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000
    )


class TransferForm(forms.Form):
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=300,
        error_messages={"required": _("Say to which organisation.")},
    )
    reason = forms.CharField(
        label=_("Why"), max_length=2000, error_messages={"required": _("Give a reason.")}
    )


class DeleteForm(forms.Form):
    reason = forms.CharField(
        label=_("Why delete the file"),
        max_length=2000,
        error_messages={"required": _("Give a reason.")},
    )


class ReviewForm(forms.Form):
    accepted = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, count: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["accepted"]).choices = [
            (i, str(i)) for i in range(count)
        ]


class ExportForm(forms.Form):
    audience = forms.ChoiceField(
        label=_("Who the bundle is for"),
        choices=BundleAudience.choices,
        error_messages={"required": _("Choose who the bundle is for.")},
    )
    override_reason = forms.CharField(
        label=_("Reason to override consent"),
        required=False,
        max_length=2000,
        help_text=_(
            "Only when a second coordinator has approved exporting against consent; leave empty otherwise."
        ),
    )


class OverrideRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why export against consent"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give a reason.")},
    )


class ShareForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Colleague"),
        queryset=User.objects.none(),
        error_messages={
            "required": _("Choose a colleague."),
            "invalid_choice": _("Choose a colleague from the list."),
        },
    )

    def __init__(self, *args: Any, incident: EvidenceIncident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        holders = incident.vault.grants.values("user_id")
        cast(forms.ModelChoiceField, self.fields["user"]).queryset = (
            User.objects.filter(role_assignments__role__in=actions.SHARE_ROLES, is_active=True)
            .exclude(pk__in=holders)
            .distinct()
            .order_by("username")
        )
