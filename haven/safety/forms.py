from __future__ import annotations

import datetime as dt
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.accounts.models import User
from haven.cases.public import Case
from haven.safety.actions import MAX_INTERVAL_MINUTES
from haven.safety.models import CheckIn


class WatchForm(forms.Form):
    # Whole minutes, as the watch stores them: hours with decimals turned 0.02 h into 1 minute
    # and came back as 0.016666666666666666, which the form then refused.
    interval_minutes = forms.IntegerField(
        label=_("Every … minutes"),
        required=False,
        min_value=1,
        max_value=MAX_INTERVAL_MINUTES,
        help_text=_("For example 720 for every 12 hours. Or give fixed times below."),
        error_messages={
            "invalid": _("Give the interval in whole minutes, for example 720."),
            "min_value": _("The interval must be at least one minute."),
            "max_value": _("An interval longer than a month is not a watch."),
        },
    )
    fixed_times = forms.CharField(
        label=_("Fixed times (local)"),
        required=False,
        max_length=100,
        help_text=_("For example: 09:00, 21:00"),
    )
    time_zone = forms.CharField(label=_("Time zone"), initial="Europe/Moscow", max_length=64)
    grace_minutes = forms.IntegerField(label=_("Grace period (minutes)"), initial=60, min_value=0)
    pin = forms.RegexField(
        label=_("PIN"),
        regex=r"^\d{4,8}$",
        required=False,
        error_messages={"invalid": _("4 to 8 digits.")},
        widget=forms.PasswordInput(render_value=False),
    )
    duress_pin = forms.RegexField(
        label=_("Duress PIN"),
        regex=r"^\d{4,8}$",
        required=False,
        error_messages={"invalid": _("4 to 8 digits.")},
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Looks like a normal check-in to anyone watching, and raises a silent alarm."),
    )

    escalation_step_minutes = forms.IntegerField(
        label=_("Minutes before the on-call responder is called"),
        required=False,
        min_value=1,
        max_value=240,
        help_text=_("Empty: the organisation's default."),
    )
    escalation_repeat_minutes = forms.IntegerField(
        label=_("Then everyone again every … minutes"),
        required=False,
        min_value=1,
        max_value=240,
        help_text=_("Empty: the organisation's default."),
    )

    def clean_fixed_times(self) -> list[str]:
        raw = self.cleaned_data.get("fixed_times") or ""
        times = []
        for part in [p.strip() for p in raw.replace(";", ",").split(",") if p.strip()]:
            try:
                times.append(dt.time.fromisoformat(part).strftime("%H:%M"))
            except ValueError as exc:
                raise forms.ValidationError(
                    _("“%(t)s” is not a time like 09:00.") % {"t": part}
                ) from exc
        return times


class StaffCheckInForm(forms.Form):
    method = forms.ChoiceField(
        label=_("How"), choices=[c for c in CheckIn.Method.choices if c[0] != "portal"]
    )
    at = forms.DateTimeField(
        label=_("When (empty: now)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def clean_at(self) -> dt.datetime | None:
        at = self.cleaned_data.get("at")
        if at is None:
            return None
        now = timezone.now()
        if at > now + dt.timedelta(minutes=2):
            raise forms.ValidationError(_("A check-in cannot be in the future."))
        if at < now - dt.timedelta(days=7):
            raise forms.ValidationError(_("Record check-ins from the last seven days only."))
        return at


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise forms.ValidationError(
            _("Unknown time zone: %(tz)s.") % {"tz": name}, code="zone"
        ) from exc


class ShiftForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Who"), queryset=User.objects.none())
    starts_at = forms.DateTimeField(
        label=_("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("Until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    time_zone = forms.CharField(
        label=_("Time zone"),
        initial="Europe/Moscow",
        max_length=64,
        help_text=_("The times above are read in this zone, e.g. Europe/Moscow, Asia/Tbilisi."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["user"]).queryset = User.objects.filter(
            is_active=True
        ).order_by("username")

    def clean_time_zone(self) -> str:
        name = self.cleaned_data["time_zone"].strip()
        _zone(name)
        return name

    def clean(self) -> dict[str, Any]:
        """The hand-over times mean wall-clock time where the responder is, not the server's."""
        data = super().clean() or {}
        zone_name = data.get("time_zone")
        if zone_name:
            zone = _zone(zone_name)
            for name in ("starts_at", "ends_at"):
                value = data.get(name)
                if value is not None:
                    typed = timezone.make_naive(value)  # back to what was typed
                    data[name] = typed.replace(tzinfo=zone)
        return data


class ChannelForm(forms.Form):
    label = forms.CharField(
        label=_("Name"), max_length=40, help_text=_("What you call it, e.g. “Signal”.")
    )
    url = forms.CharField(
        label=_("Apprise address"),
        max_length=1000,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "For example mailto://…, tgram://…, signal://…, matrix://…, json://… (see the operators' guide)."
        ),
    )
    priority = forms.IntegerField(label=_("Order"), min_value=1, max_value=9, initial=1)

    def clean_url(self) -> str:
        from haven.safety.channels import is_valid_url

        url = self.cleaned_data["url"].strip()
        if not is_valid_url(url):
            raise forms.ValidationError(
                _(
                    "Apprise does not recognise this address. Check its form in the operators' guide."
                )
            )
        return url


class HouseForm(forms.Form):
    code = forms.RegexField(
        label=_("Code name"),
        regex=r"^[A-Za-z0-9А-Яа-яЁё-]{2,16}$",
        error_messages={"invalid": _("2–16 letters, digits or dashes; never the address.")},
    )
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=50)
    address = forms.CharField(label=_("Address"), widget=forms.Textarea(attrs={"rows": 2}))
    access_instructions = forms.CharField(
        label=_("How to get in"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    host_contact = forms.CharField(label=_("Host contact"), required=False)


class HouseStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("active", _("Active")), ("suspended", _("Suspended"))], label=_("Status")
    )


class PlaceForm(forms.Form):
    case = forms.ModelChoiceField(label=_("Case"), queryset=Case.objects.none())

    def __init__(self, *args: Any, cases: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if cases is not None:
            cast(forms.ModelChoiceField, self.fields["case"]).queryset = cases


class PinForm(forms.Form):
    pin = forms.CharField(
        label=_("Your PIN"),
        max_length=16,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
