from __future__ import annotations

import secrets
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

from haven.intake.models import HelpRequest
from haven.lib.codenames import validate_codename

FORM_TOKEN_SALT = "haven.intake.form"  # noqa: S105  (a signing namespace, not a secret)
FORM_TOKEN_MAX_AGE = 6 * 3600  # seconds


def form_token() -> str:
    """A signed, time-limited token in each anonymous portal form. The portal sets no cookie
    before a codename sign-in, so Django's CSRF cookie cannot be used there; this token stops
    forms posted from elsewhere or replayed days later. Each token is random: the help form is
    idempotent on it (the same form posted twice is one request), so two visitors must never
    share one."""
    return signing.dumps({"form": secrets.token_urlsafe(18)}, salt=FORM_TOKEN_SALT)


def with_page_error(form: forms.Form, message: str) -> forms.Form:
    """An unbound form showing one message above its fields: a request too large to read has no
    data to bind, and Django's add_error needs cleaned_data, which only validation creates."""
    form.full_clean()
    form.cleaned_data = {}
    form.add_error(None, message)
    return form


class PortalForm(forms.Form):
    form_token = forms.CharField(widget=forms.HiddenInput, required=False)
    unique_token = ""  # the token when it may key an idempotent submission (see below)

    def clean_form_token(self) -> str:
        token = self.cleaned_data.get("form_token") or ""
        try:
            payload = signing.loads(token, salt=FORM_TOKEN_SALT, max_age=FORM_TOKEN_MAX_AGE)
        except signing.BadSignature as exc:
            raise forms.ValidationError(
                _("This form has expired. Please check your text and send it again.")
            ) from exc
        # Tokens made before they carried a random value were the same for everyone who opened
        # the form in the same second: valid, but never a key that could hand one person's
        # codename to another.
        self.unique_token = token if isinstance(payload, dict) and payload.get("form") else ""
        return token


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        files = [d for d in data if d] if isinstance(data, list | tuple) else [data] if data else []
        return [self._clean_one(d, initial) for d in files]

    def _clean_one(self, upload: Any, initial: Any) -> Any:
        try:
            return super().clean(upload, initial)
        except forms.ValidationError as exc:
            if getattr(exc, "code", None) != "empty":
                raise
            # Django's message does not say which file; a person may have sent several.
            from haven.lib.uploads import sent_name

            raise forms.ValidationError(
                _("The file %(name)s is empty.") % {"name": sent_name(upload.name or "")},
                code="empty",
            ) from exc


class HelpForm(PortalForm):
    text = forms.CharField(
        label=_("What is happening? How can we help?"),
        widget=forms.Textarea(attrs={"rows": 10}),
        strip=True,
        error_messages={"required": _("Please write a few words about what is happening.")},
    )
    felt_urgency = forms.ChoiceField(
        label=_("How urgent is it?"),
        choices=HelpRequest.FeltUrgency.choices,
        widget=forms.RadioSelect,
        initial=HelpRequest.FeltUrgency.DAYS,
        error_messages={"required": _("Please choose how urgent it is.")},
    )
    contact = forms.CharField(
        label=_("A safe way to reach you (optional)"),
        required=False,
        max_length=500,
        help_text=_("Only if it is safe. You can always read our answer here with your codename."),
    )
    attachments = MultipleFileField(
        label=_("Photos or documents (optional)"),
        required=False,
        help_text=_(
            "Pictures or PDF, up to 25 MB each. We remove location and camera data from pictures."
        ),
    )

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        limit = settings.HAVEN_INTAKE_MAX_TEXT
        if len(text) > limit:
            raise forms.ValidationError(
                _(
                    "Your message is %(length)d characters long; the limit is %(limit)d. Please shorten it or send the rest in a second message."
                )
                % {"length": len(text), "limit": limit}
            )
        return text

    def clean_attachments(self) -> list[Any]:
        files = self.cleaned_data.get("attachments") or []
        if len(files) > settings.HAVEN_INTAKE_MAX_FILES:
            raise forms.ValidationError(
                _("Please attach at most %(n)d files.") % {"n": settings.HAVEN_INTAKE_MAX_FILES}
            )
        return files


class WriteForm(forms.Form):
    text = forms.CharField(
        label=_("Write to us"),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Please write a few words.")},
    )
    attachments = MultipleFileField(label=_("Photos or documents (optional)"), required=False)

    clean_text = HelpForm.clean_text
    clean_attachments = HelpForm.clean_attachments


class CodenameForm(PortalForm):
    codename = forms.CharField(
        label=_("Your codename"),
        max_length=400,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
        error_messages={"required": _("Please type your codename.")},
    )

    def clean_codename(self) -> str:
        check = validate_codename(self.cleaned_data["codename"])
        self.check = check
        return check.codename


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply"), widget=forms.Textarea(attrs={"rows": 5}), max_length=20_000
    )
    # Shown only while another operator's claim is live: answering anyway is explicit.
    take_over = forms.BooleanField(
        label=_("Take this request over from the operator who claimed it"), required=False
    )

    def __init__(self, *args: Any, claimed_by_other: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not claimed_by_other:
            self.fields["take_over"].widget = forms.HiddenInput()


class ClaimForm(forms.Form):
    take_over = forms.BooleanField(required=False, widget=forms.HiddenInput)


MAX_MINUTES = 7 * 24 * 60


class TriageRulesForm(forms.Form):
    urgent_minutes = forms.IntegerField(
        label=_("Urgent: alert after this many minutes without an answer"),
        min_value=1,
        max_value=MAX_MINUTES,
    )
    high_minutes = forms.IntegerField(
        label=_("High: alert after this many minutes without an answer"),
        min_value=1,
        max_value=MAX_MINUTES,
    )
    normal_minutes = forms.IntegerField(
        label=_("Normal: alert after this many minutes without an answer"),
        min_value=1,
        max_value=MAX_MINUTES,
    )
    claim_minutes = forms.IntegerField(
        label=_("A claim is released after this many minutes without an answer"),
        min_value=1,
        max_value=MAX_MINUTES,
    )


class CannedReplyForm(forms.Form):
    title = forms.CharField(label=_("Title (what operators see on the button)"), max_length=80)
    text_ru = forms.CharField(
        label=_("Text in Russian"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5_000
    )
    text_en = forms.CharField(
        label=_("Text in English"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5_000
    )
    position = forms.IntegerField(
        label=_("Position in the list"), min_value=0, max_value=999, initial=0, required=False
    )


class UrgencyForm(forms.Form):
    urgency = forms.ChoiceField(label=_("Urgency"), choices=HelpRequest.Urgency.choices)


class OpenCaseForm(forms.Form):
    caseworker: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Caseworker"), queryset=None, empty_label=None
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from haven.accounts.models import Role, User

        cast(forms.ModelChoiceField, self.fields["caseworker"]).queryset = (
            User.objects.filter(
                role_assignments__role__in=[Role.CASEWORKER, Role.COORDINATOR],
                is_active=True,
                key__isnull=False,
            )
            .distinct()
            .order_by("username")
        )
