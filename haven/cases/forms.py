from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.accounts.models import Role, User
from haven.cases import regions
from haven.cases.countries import country_choices
from haven.cases.models import Case, RelocationDocument, State, Task, Vetting
from haven.core.widgets import LanguageChoicesSelect, QuickSelect


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def _staff(*roles: str) -> Any:
    # Only what the select shows (the label is the username): with 200 staff, building whole
    # accounts for every option was a fifth of the case list (issue 16). A chosen account's
    # other fields load when used.
    return (
        User.objects.filter(role_assignments__role__in=roles, is_active=True)
        .distinct()
        .order_by("username")
        .only("id", "username")
    )


class CaseForm(forms.Form):
    risk = forms.ChoiceField(label=_("Risk"), choices=Case.Risk.choices, initial=Case.Risk.MEDIUM)
    risk_reason = forms.CharField(
        label=_("Why this risk level"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )
    region_of_origin = forms.ChoiceField(
        label=_("Region of origin"),
        required=False,
        help_text=_("For the statistics: the republic, krai, oblast or city, from the list."),
    )
    region_detail = forms.CharField(
        label=_("Where from, in more detail (optional)"),
        required=False,
        max_length=500,
        help_text=_(
            "Sealed in the case: only those who hold the case read it. Use it when the list does not fit."
        ),
    )
    caseworker = forms.ModelChoiceField(
        label=_("Caseworker"), queryset=User.objects.none(), widget=QuickSelect, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["caseworker"]).queryset = _staff(Role.CASEWORKER)
        # Built per form, so the list is sorted in the language of the request.
        cast(forms.ChoiceField, self.fields["region_of_origin"]).choices = [
            ("", "—"),
            *regions.choices(),
        ]


class PersonForm(forms.Form):
    given_name = forms.CharField(label=_("Given name"), max_length=200)
    family_name = forms.CharField(label=_("Family name"), max_length=200, required=False)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=200, required=False)
    aliases = forms.CharField(
        label=_("Other names and spellings"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("One per line: nicknames, other scripts, passport spelling."),
    )
    gender = forms.CharField(
        label=_("Gender, as the person states it"), max_length=100, required=False
    )
    birth_date = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    birth_year = forms.IntegerField(
        label=_("Or year of birth"), required=False, min_value=1900, max_value=2100
    )
    languages = forms.CharField(label=_("Languages"), max_length=300, required=False)
    contacts = forms.CharField(
        label=_("Phones and messenger handles"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("One per line."),
    )
    passport = forms.ChoiceField(
        label=_("Passport"),
        choices=[
            ("", "—"),
            ("yes", _("Has it")),
            ("no", _("None")),
            ("confiscated", _("Confiscated")),
        ],
        required=False,
    )
    passport_expiry = forms.DateField(
        label=_("Passport expiry"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    health_safety = forms.CharField(
        label=_("Health and safety notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    family_risk = forms.CharField(
        label=_("Family risk"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("For example: family under pressure; family may harm."),
    )
    trusted_contacts = forms.CharField(
        label=_("Trusted contacts"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def clean_birth_date(self) -> datetime.date | None:
        value = self.cleaned_data.get("birth_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("A date of birth cannot be in the future."))
        return value

    def clean_birth_year(self) -> int | None:
        value = self.cleaned_data.get("birth_year")
        if value and value > timezone.localdate().year:
            raise forms.ValidationError(_("A year of birth cannot be in the future."))
        return value

    def sealed_values(self) -> dict[str, Any]:
        d = self.cleaned_data
        birth: dict[str, Any] = {}
        if d.get("birth_date"):
            birth = {"date": d["birth_date"].isoformat()}
        elif d.get("birth_year"):
            birth = {"year": d["birth_year"]}
        documents = {
            k: v
            for k, v in {
                "passport": d.get("passport"),
                "expiry": d["passport_expiry"].isoformat() if d.get("passport_expiry") else "",
            }.items()
            if v
        }
        return {
            "given_name": d["given_name"],
            "family_name": d.get("family_name", ""),
            "patronymic": d.get("patronymic", ""),
            "aliases": _lines(d.get("aliases", "")),
            "gender": d.get("gender", ""),
            "birth": birth or None,
            "languages": [x.strip() for x in d.get("languages", "").split(",") if x.strip()],
            "contacts": _lines(d.get("contacts", "")),
            "documents": documents or None,
            "health_safety": d.get("health_safety", ""),
            "family_risk": d.get("family_risk", ""),
            "trusted_contacts": d.get("trusted_contacts", ""),
            "notes": d.get("notes", ""),
        }

    @classmethod
    def initial_from(cls, reader: Any) -> dict[str, Any]:
        birth = reader.birth or {}
        documents = reader.documents or {}
        return {
            "given_name": reader.given_name,
            "family_name": reader.family_name,
            "patronymic": reader.patronymic,
            "aliases": "\n".join(reader.aliases or []),
            "gender": reader.gender,
            "birth_date": birth.get("date"),
            "birth_year": birth.get("year"),
            "languages": ", ".join(reader.languages or []),
            "contacts": "\n".join(reader.contacts or []),
            "passport": documents.get("passport", ""),
            "passport_expiry": documents.get("expiry") or None,
            "health_safety": reader.health_safety,
            "family_risk": reader.family_risk,
            "trusted_contacts": reader.trusted_contacts,
            "notes": reader.notes,
        }


class TransitionForm(forms.Form):
    takes_case = True
    to_state = forms.ChoiceField(
        label=_("New state"),
        choices=State.choices,
        error_messages={"invalid_choice": _("Unknown state.")},
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )

    def __init__(self, *args: Any, case: Case | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if case is not None:
            # The page offers only the moves allowed now. Validation still knows every state, so
            # a forbidden one posted anyway gets the pipeline's own refusal (the action decides).
            allowed = case.allowed_next()
            self.fields["to_state"].widget.choices = [
                (value, label) for value, label in State.choices if value in allowed
            ]
            if not self.is_bound and allowed:
                self.initial.setdefault("to_state", allowed[0])


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=50_000
    )


class TaskForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Task.Kind.choices)
    title = forms.CharField(label=_("What"), max_length=500)
    due_date = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))


class AssignForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Staff member"), queryset=User.objects.none(), widget=QuickSelect
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["user"]).queryset = _staff(
            Role.CASEWORKER, Role.COORDINATOR, Role.LAWYER, Role.DOCUMENTATION
        )


class VettingForm(forms.Form):
    identity_corroborated = forms.BooleanField(label=_("Identity corroborated"), required=False)
    vouched_for = forms.BooleanField(label=_("Vouched for by a trusted contact"), required=False)
    interview_done = forms.BooleanField(label=_("Interview done"), required=False)
    red_flags = forms.CharField(
        label=_("Red flags"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class VettingDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (Vetting.Decision.APPROVED, _("Approve")),
            (Vetting.Decision.REJECTED, _("Reject")),
        ],
    )


def _country_choices() -> list[tuple[str, str]]:
    # Called each time the select is drawn, so the names follow the page's language.
    return [("", "—"), *country_choices()]


class RelocationForm(forms.Form):
    destination_country = forms.ChoiceField(
        label=_("Destination country"),
        choices=_country_choices,
        widget=LanguageChoicesSelect(choices_of=_country_choices),
        required=False,
        error_messages={
            "invalid_choice": _("“%(value)s” is not a country code we know; choose the country.")
        },
    )
    pathway = forms.ChoiceField(
        label=_("Pathway"), choices=[("", "—"), *Case.Pathway.choices], required=False
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", "—"), *Case.Outcome.choices], required=False
    )
    outcome_country = forms.ChoiceField(
        label=_("Country reached"),
        choices=_country_choices,
        widget=LanguageChoicesSelect(choices_of=_country_choices),
        required=False,
        error_messages={
            "invalid_choice": _("“%(value)s” is not a country code we know; choose the country.")
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Codes typed in lower case ("de") by a script or an older form still mean a country.
        if args and args[0] is not None:
            data = args[0].copy()
            for key in ("destination_country", "outcome_country"):
                if data.get(key):
                    data[key] = str(data[key]).strip().upper()
            args = (data, *args[1:])
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == "abroad" and not data.get("outcome_country"):
            self.add_error("outcome_country", _("Which country was reached?"))
        return data


class DocumentForm(forms.Form):
    kind = forms.CharField(label=_("Document or application"), max_length=300)
    status = forms.ChoiceField(label=_("Status"), choices=RelocationDocument.Status.choices)
    deadline = forms.DateField(
        label=_("Deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DocumentStatusForm(forms.Form):
    document = forms.UUIDField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), choices=RelocationDocument.Status.choices)
    deadline = forms.DateField(
        label=_("Deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class IndexGrantForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Staff member"), queryset=User.objects.none(), widget=QuickSelect
    )

    @staticmethod
    def staff_queryset() -> Any:
        return _staff(Role.OPERATOR, Role.CASEWORKER, Role.COORDINATOR)

    def __init__(self, *args: Any, exclude: set[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queryset = self.staff_queryset()
        if exclude:
            queryset = queryset.exclude(pk__in=exclude)
        cast(forms.ModelChoiceField, self.fields["user"]).queryset = queryset


class ApprovalForm(forms.Form):
    target_user = forms.ModelChoiceField(
        label=_("Give access to"), queryset=User.objects.none(), widget=QuickSelect
    )
    reason = forms.CharField(
        label=_("Why"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["target_user"]).queryset = User.objects.filter(
            is_active=True, key__isnull=False
        ).order_by("username")


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Name or reference"), required=False, max_length=200)
    state = forms.ChoiceField(
        label=_("State"), choices=[("", _("Any")), *State.choices], required=False
    )
    risk = forms.ChoiceField(
        label=_("Risk"), choices=[("", _("Any")), *Case.Risk.choices], required=False
    )
    assignee = forms.ModelChoiceField(
        label=_("Assigned to"), queryset=User.objects.none(), widget=QuickSelect, required=False
    )
    mine = forms.BooleanField(label=_("Only my cases"), required=False)
    overdue = forms.BooleanField(label=_("With overdue tasks"), required=False)
    due_within = forms.TypedChoiceField(
        label=_("Tasks due within"),
        choices=[("", _("Any")), ("7", _("a week")), ("30", _("a month"))],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = _staff(
            Role.CASEWORKER, Role.COORDINATOR, Role.LAWYER, Role.DOCUMENTATION
        )
