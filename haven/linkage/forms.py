from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("confirm", _("The same person: worth a referral")),
            ("reject", _("Not the same person")),
        ],
    )


class EncodingRequestForm(forms.Form):
    """A coordinator asks a second one to approve one encoding of the case list."""

    reason = forms.CharField(
        label=_("Why the case list should be encoded"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("For example: the partner organisation, and the exchange agreed with it."),
    )
