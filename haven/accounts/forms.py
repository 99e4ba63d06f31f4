from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from haven.accounts.models import Role, User


class LoginForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(
        label=_("Password"), strip=False, max_length=1024, widget=forms.PasswordInput
    )
    otp_token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_otp_token(self) -> str:
        token = "".join(self.cleaned_data["otp_token"].split())
        if not token.isdigit() or len(token) != 6:
            raise forms.ValidationError(_("The code is six digits."))
        return token


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(
        label=_("Current password"), strip=False, widget=forms.PasswordInput
    )
    new_password = forms.CharField(label=_("New password"), strip=False, widget=forms.PasswordInput)
    new_password_again = forms.CharField(
        label=_("New password again"), strip=False, widget=forms.PasswordInput
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        new, again = data.get("new_password"), data.get("new_password_again")
        if new and again and new != again:
            self.add_error("new_password_again", _("The two new passwords differ."))
        if new:
            try:
                validate_password(new, self.user)
            except forms.ValidationError as exc:
                self.add_error("new_password", exc)
        return data


class DuressPasswordForm(forms.Form):
    duress_password = forms.CharField(
        label=_("Duress password"),
        strip=False,
        required=False,
        widget=forms.PasswordInput,
        help_text=_("Leave empty to remove it. It must differ from your password."),
    )
    current_password = forms.CharField(
        label=_("Your current password"), strip=False, widget=forms.PasswordInput
    )

    def clean_duress_password(self) -> str:
        value = self.cleaned_data.get("duress_password") or ""
        if value and len(value) < 8:
            raise forms.ValidationError(_("Use at least 8 characters."))
        return value


class NewAccountForm(forms.Form):
    username = forms.RegexField(
        label=_("User name"),
        regex=r"^[A-Za-z0-9_.-]{3,40}$",
        help_text=_(
            "A pseudonymous handle, not a legal name: 3–40 Latin letters, digits, dots, dashes."
        ),
        error_messages={"invalid": _("Use 3–40 Latin letters, digits, dots or dashes.")},
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )

    def clean_username(self) -> str:
        name = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=name).exists():
            raise forms.ValidationError(_("This user name is taken."))
        return name


class RolesForm(forms.Form):
    # At least one role: an empty post (or every box unticked by a slip) must not strip an
    # account of its access quietly. Burning the account is how all access is taken away.
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one role. To take all access away, burn the account.")
        },
    )


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label=_("I understand this cannot be undone."))


class BurnForm(forms.Form):
    """Burning someone else's account: a confirmation, and a second, explicit one when the burn
    would leave vaults nobody else can open (the page lists them)."""

    confirm = forms.BooleanField(label=_("I understand this cannot be undone."))
    accept_unreadable = forms.BooleanField(
        label=_("I accept that the vaults listed above become unreadable for everyone."),
        required=False,
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        error_messages={"required": _("Choose approve or reject.")},
    )
