from __future__ import annotations

import datetime
import re
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.lib.uploads import inspect_upload, reencode_image
from haven.missing.models import MatchCandidate, MissingPersonReport, Sex
from haven.ops.public import upload_problem_messages as problem_messages

MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_KINDS = ("jpeg", "png", "webp")


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


# ISO dates whatever the language: an <input type="date"> shows nothing for "02.12.2026", so a
# date given as initial (a report opened from a case) would otherwise arrive empty.
_DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class ReportForm(forms.Form):
    given_name = forms.CharField(label=_("Given name"), max_length=200, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=200, required=False)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=200, required=False)
    full_name = forms.CharField(
        label=_("Full name as reported"),
        max_length=400,
        required=False,
        help_text=_("As the reporter wrote it, in any script or order."),
    )
    alternate_names = forms.CharField(
        label=_("Other names and spellings"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("One per line: nicknames, other scripts, passport spelling."),
    )
    sex = forms.ChoiceField(
        label=_("Sex"),
        required=False,
        choices=[("", "—"), *Sex.choices],
    )
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=_DATE)
    birth_year = forms.IntegerField(
        label=_("Or year of birth"), required=False, min_value=1900, max_value=2100
    )
    age = forms.CharField(
        label=_("Or age"), required=False, max_length=7, help_text=_("A number or a range: 30-35.")
    )
    home_place = forms.CharField(label=_("Home town or region"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10000,
        help_text=_("Appearance, clothing, distinguishing marks."),
    )
    photo = forms.FileField(label=_("Photo"), required=False)
    last_seen_place = forms.CharField(label=_("Last seen where"), max_length=300, required=False)
    last_seen_date = forms.DateField(label=_("Last seen when"), required=False, widget=_DATE)
    last_seen_with = forms.CharField(label=_("With whom"), max_length=300, required=False)
    circumstances = forms.CharField(
        label=_("Circumstances"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=20000,
    )
    reporter_name = forms.CharField(label=_("Who reported it"), max_length=200, required=False)
    reporter_relation = forms.CharField(
        label=_("Their relation to the person"), max_length=200, required=False
    )
    reporter_contact = forms.CharField(
        label=_("How to reach them"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )
    source_kind = forms.ChoiceField(
        label=_("Source"),
        choices=MissingPersonReport.Source.choices,
        initial=MissingPersonReport.Source.FAMILY,
    )
    reliability = forms.ChoiceField(
        label=_("Reliability"),
        choices=MissingPersonReport.Reliability.choices,
        initial=MissingPersonReport.Reliability.UNKNOWN,
    )
    source_name = forms.CharField(
        label=_("Source name or link"),
        max_length=500,
        required=False,
        help_text=_("A partner's list, a channel, an article."),
    )

    def clean_age(self) -> str:
        value = (self.cleaned_data.get("age") or "").strip()
        if value and not re.fullmatch(r"\d{1,3}(-\d{1,3})?", value):
            raise forms.ValidationError(_("Write a number or a range like 30-35."))
        return value

    def clean_last_seen_date(self) -> datetime.date | None:
        value = self.cleaned_data.get("last_seen_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        return value

    def clean_photo(self) -> Any:
        """A photo passes the hostile-upload inspector and is re-encoded from its pixels, so that
        no EXIF (GPS position, camera serial, time) is kept."""
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        verdict = inspect_upload(
            upload.name or "photo",
            upload,
            max_bytes=MAX_PHOTO_BYTES,
            allowed_kinds=PHOTO_KINDS,
        )
        if not verdict.ok:
            raise forms.ValidationError(problem_messages(verdict))
        upload.seek(0)
        try:
            data = reencode_image(upload.read())
        except ValueError as exc:
            raise forms.ValidationError(_("This photo could not be read.")) from exc
        return {"data": data, "type": f"image/{verdict.kind}", "size": len(data)}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(k) for k in ("given_name", "family_name", "full_name")):
            raise forms.ValidationError(_("Give at least a name: given, family or full."))
        return data

    def sealed_values(self) -> dict[str, Any]:
        d = self.cleaned_data
        birth: dict[str, Any] | None = None
        if d.get("birth_date"):
            birth = {"date": d["birth_date"].isoformat()}
        elif d.get("birth_year"):
            birth = {"year": d["birth_year"]}
        elif d.get("age"):
            birth = {"age": d["age"]}
        last_seen = {
            "place": d.get("last_seen_place") or "",
            "date": d["last_seen_date"].isoformat() if d.get("last_seen_date") else "",
            "with_whom": d.get("last_seen_with") or "",
            "circumstances": d.get("circumstances") or "",
        }
        reporter = {
            "name": d.get("reporter_name") or "",
            "relation": d.get("reporter_relation") or "",
            "contact": d.get("reporter_contact") or "",
        }
        values: dict[str, Any] = {
            "given_name": d.get("given_name"),
            "family_name": d.get("family_name"),
            "patronymic": d.get("patronymic"),
            "full_name": d.get("full_name"),
            "alternate_names": _lines(d.get("alternate_names", "")),
            "sex": d.get("sex"),
            "birth": birth,
            "home_place": d.get("home_place"),
            "description": d.get("description"),
            "last_seen": {k: v for k, v in last_seen.items() if v} or None,
            "reporter": {k: v for k, v in reporter.items() if v} or None,
            "source": {"name": d["source_name"]} if d.get("source_name") else None,
        }
        if d.get("photo"):
            values["photo"] = d["photo"]["data"]
            values["photo_meta"] = {"type": d["photo"]["type"], "size": d["photo"]["size"]}
        return values

    @staticmethod
    def initial_from(reader: Any) -> dict[str, Any]:
        birth = reader.birth or {}
        last_seen = reader.last_seen or {}
        reporter = reader.reporter or {}
        report = reader.record
        return {
            "given_name": reader.given_name,
            "family_name": reader.family_name,
            "patronymic": reader.patronymic,
            "full_name": reader.full_name,
            "alternate_names": "\n".join(reader.alternate_names or []),
            "sex": reader.sex,
            "birth_date": birth.get("date"),
            "birth_year": birth.get("year"),
            "age": birth.get("age"),
            "home_place": reader.home_place,
            "description": reader.description,
            "last_seen_place": last_seen.get("place"),
            "last_seen_date": last_seen.get("date"),
            "last_seen_with": last_seen.get("with_whom"),
            "circumstances": last_seen.get("circumstances"),
            "reporter_name": reporter.get("name"),
            "reporter_relation": reporter.get("relation"),
            "reporter_contact": reporter.get("contact"),
            "source_kind": report.source_kind,
            "reliability": report.reliability,
            "source_name": (reader.source or {}).get("name"),
        }


class NoteForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"),
        required=False,
        choices=[("", _("No change"))] + list(MissingPersonReport.Status.choices),
    )
    text = forms.CharField(
        label=_("What is known"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=20000,
    )
    source_date = forms.DateField(
        label=_("Information dated"),
        required=False,
        widget=_DATE,
        help_text=_("When the information is from; today if empty."),
    )
    last_known_location = forms.CharField(
        label=_("Last known location"), max_length=300, required=False
    )

    def clean_source_date(self) -> datetime.datetime | None:
        value = self.cleaned_data.get("source_date")
        if value is None:
            return None
        if value > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        return timezone.make_aware(datetime.datetime.combine(value, datetime.time(12)))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("status") and not (data.get("text") or "").strip():
            raise forms.ValidationError(_("Choose a status or write what is known."))
        return data


class LinkForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference of the other report or case"),
        max_length=16,
        help_text=_("MP-… for a registry report, HV-… for a case."),
    )
    reason = forms.CharField(
        label=_("Why they are the same person"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
    )

    def clean_reference(self) -> str:
        value = self.cleaned_data["reference"].strip().upper()
        if not (value.startswith("MP-") or value.startswith("HV-")):
            raise forms.ValidationError(_("A reference starts with MP- or HV-."))
        return value


class UnlinkForm(forms.Form):
    link = forms.UUIDField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        choices=[("report", "report"), ("case", "case")], widget=forms.HiddenInput
    )
    reason = forms.CharField(
        label=_("Why the link was wrong"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (MatchCandidate.Decision.CONFIRMED, _("Same person: link them")),
            (MatchCandidate.Decision.REJECTED, _("Not the same person")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Why"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        required=False,
        help_text=_("Needed to link: what makes you sure."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("decision") == MatchCandidate.Decision.CONFIRMED
            and not (data.get("reason") or "").strip()
        ):
            self.add_error("reason", _("Say what makes you sure they are the same person."))
        return data


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name or reference"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any"))] + list(MissingPersonReport.Status.choices),
    )


class AccessForm(forms.Form):
    user: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Staff member"),
        queryset=None,
    )
    reason = forms.CharField(
        label=_("Why they need the registry"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from haven.accounts.models import Role, User

        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["user"]).queryset = (
            User.objects.filter(
                is_active=True,
                role_assignments__role__in=[
                    Role.DOCUMENTATION,
                    Role.COORDINATOR,
                    Role.CASEWORKER,
                    Role.LAWYER,
                ],
            )
            .distinct()
            .order_by("username")
        )


class ExportRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the registry should be exported"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("For example: the exchange agreed with a partner group, and who receives it."),
    )


class PfifImportForm(forms.Form):
    file = forms.FileField(
        label=_("PFIF file"),
        help_text=_(
            "An XML file in PFIF 1.2, 1.3 or 1.4, with notes inside their person or at the top "
            "level. The whole file is checked before anything is saved."
        ),
    )


class PfifExportForm(forms.Form):
    notes = forms.ChoiceField(
        label=_("Notes"),
        choices=[
            ("nested", _("Inside each person")),
            ("top-level", _("After the persons, at the top level")),
        ],
        initial="nested",
    )
