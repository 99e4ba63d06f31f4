from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

PHRASE = "WIPE"


class WipeForm(forms.Form):
    phrase = forms.CharField(
        label=_("Type WIPE to confirm"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Type WIPE to confirm.")},
    )

    def clean_phrase(self) -> str:
        phrase = self.cleaned_data["phrase"].strip()
        if phrase.upper() != PHRASE:
            raise forms.ValidationError(_("Type WIPE to confirm."))
        return phrase
