"""Staff pages of channels beyond the overview: a watched person's registered handles (on their
case, for whoever may edit it) and a channel's own texts and panic words (coordinators)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from haven.accounts.access import require_role
from haven.accounts.models import Role
from haven.cases.public import get_case_for_user
from haven.channels import texts
from haven.channels.adapters import adapter_class
from haven.channels.ingest import (
    handle_digest,
    register_known_handle,
    remove_known_handle,
    save_channel_texts,
)
from haven.channels.models import Channel, Kind, KnownHandle
from haven.core.http import HavenRequest

CASE_EDITORS = (Role.CASEWORKER, Role.COORDINATOR)
LANGUAGE_NAMES = {"ru": gettext_lazy("Russian"), "en": gettext_lazy("English")}


def _lines(value: str) -> list[str]:
    """Words one per line (or comma-separated), blanks dropped, each once."""
    found: list[str] = []
    for part in value.replace(",", "\n").splitlines():
        word = " ".join(part.split())
        if word and word.casefold() not in {w.casefold() for w in found}:
            found.append(word)
    return found


# --- a watched person's handles ----------------------------------------------------------------


def _kind_choices() -> list[tuple[str, str]]:
    kinds = set(Channel.objects.values_list("kind", flat=True))
    return [(k, str(label)) for k, label in Kind.choices if k in kinds]


class KnownHandleForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Channel"))
    handle = forms.CharField(
        label=gettext_lazy("Handle"),
        max_length=300,
        help_text=gettext_lazy("The phone number, Telegram chat id, Signal number, address …"),
    )
    panic_words = forms.CharField(
        label=gettext_lazy("Personal panic words"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "One per line, besides the channel's panic words (a code word agreed with the "
            "person). A message with one raises the panic escalation."
        ),
    )
    duress_word = forms.CharField(
        label=gettext_lazy("Personal duress word"),
        required=False,
        max_length=100,
        help_text=gettext_lazy(
            "A message with it raises the escalation silently: nothing in the answer shows it."
        ),
    )

    def __init__(self, *args: Any, case: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = _kind_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, handle = data.get("kind"), data.get("handle")
        if kind and handle:
            normalised = adapter_class(kind)({}).normalise_handle(handle)
            if not normalised:
                self.add_error("handle", _("This is not a handle of that channel."))
            # Not filtered by kind: the digest names the handle space, and both SMS kinds
            # share one, so a number registered for the gateway is that number on the modem.
            elif KnownHandle.objects.filter(
                case_id=self.case.pk, handle_digest=handle_digest(kind, normalised)
            ).exists():
                self.add_error("handle", _("This handle is already registered in this case."))
        duress = " ".join((data.get("duress_word") or "").split())
        panic = _lines(data.get("panic_words") or "")
        if duress and duress.casefold() in {w.casefold() for w in panic}:
            self.add_error("duress_word", _("The duress word must differ from the panic words."))
        data["duress_word"], data["panic_list"] = duress, panic
        return data


def _handle_rows(request: HavenRequest, case: Any) -> list[dict[str, Any]]:
    if request.keyring.duress:
        return []  # a coerced session shows a case without registered handles
    known = list(KnownHandle.objects.filter(case_id=case.pk).select_related("vault"))
    rows = []
    for item, reader in zip(known, request.keyring.readers(known), strict=True):
        handle = reader.handle  # identifying: opened through the case vault, audited
        rows.append(
            {
                "id": item.pk,
                "kind": item.get_kind_display(),
                "handle": adapter_class(item.kind)({}).display_handle(handle or ""),
                "created_at": item.created_at,
            }
        )
    return rows


@require_http_methods(["GET", "POST"])
@require_role(*CASE_EDITORS)
def case_handles(request: HavenRequest, case_id: UUID) -> HttpResponse:
    case = get_case_for_user(request, case_id)
    form = KnownHandleForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        register_known_handle(
            keyring=request.keyring,
            case=case,
            kind=data["kind"],
            handle=data["handle"],
            panic_words=data["panic_list"],
            duress_words=[data["duress_word"]] if data["duress_word"] else [],
        )
        messages.success(request, _("Handle registered."))
        return redirect("channels-case-handles", case_id=case.id)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "channels/case_handles.html",
        {"case": case, "form": form, "rows": _handle_rows(request, case)},
        status=status,
    )


@require_POST
@require_role(*CASE_EDITORS)
def case_handle_remove(request: HavenRequest, case_id: UUID, handle_id: UUID) -> HttpResponse:
    case = get_case_for_user(request, case_id)
    known = KnownHandle.objects.filter(pk=handle_id, case_id=case.pk).first()
    if known is None:
        raise Http404
    remove_known_handle(keyring=request.keyring, known=known, reference=case.reference)
    messages.success(request, _("Handle removed."))
    return redirect("channels-case-handles", case_id=case.id)


def case_channel_handles(request: HavenRequest, case: Any) -> dict[str, Any] | None:
    """The case page's box: how many handles are registered, and the link to the page."""
    if not request.user.has_role(*CASE_EDITORS):
        return None
    count = 0 if request.keyring.duress else KnownHandle.objects.filter(case_id=case.pk).count()
    return {"link": reverse("channels-case-handles", kwargs={"case_id": case.id}), "count": count}


# --- a channel's texts -------------------------------------------------------------------------


class ChannelTextsForm(forms.Form):
    def __init__(self, *args: Any, channel: Channel, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.channel = channel
        own_texts = channel.texts or {}
        own_words = channel.panic_words or {}
        for language in texts.LANGUAGES:
            name = LANGUAGE_NAMES[language]
            shipped = texts.shipped(channel.kind, language)
            own = own_texts.get(language) or {}
            self.fields[f"{language}_first_reply"] = forms.CharField(
                label=_("First reply (%(language)s)") % {"language": name},
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 4}),
                initial=own.get("first_reply") or shipped["first_reply"],
                help_text=_("%(placeholder)s is replaced by the person's codename.")
                % {"placeholder": texts.CODENAME},
            )
            self.fields[f"{language}_risk"] = forms.CharField(
                label=_("Risk of this channel (%(language)s)") % {"language": name},
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 3}),
                initial=own.get("risk") or shipped["risk"],
            )
            self.fields[f"{language}_panic_words"] = forms.CharField(
                label=_("Panic words (%(language)s)") % {"language": name},
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3}),
                initial="\n".join(
                    own_words.get(language) or texts.DEFAULT_PANIC_WORDS.get(language, [])
                ),
                help_text=_("One per line. A known sender's message with one raises the panic."),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for language in texts.LANGUAGES:
            first = data.get(f"{language}_first_reply")
            if first is not None and texts.CODENAME not in first:
                self.add_error(
                    f"{language}_first_reply",
                    _("The first reply must contain %(placeholder)s, where the codename goes.")
                    % {"placeholder": texts.CODENAME},
                )
            elif first is not None and first.count("%(") != first.count(texts.CODENAME):
                self.add_error(
                    f"{language}_first_reply",
                    _("Only %(placeholder)s may be used as a placeholder.")
                    % {"placeholder": texts.CODENAME},
                )
            raw = data.get(f"{language}_panic_words")
            if raw is not None:
                found = _lines(raw)
                if not found:
                    self.add_error(f"{language}_panic_words", _("Give at least one panic word."))
                elif any(not texts.words(w) for w in found):
                    self.add_error(
                        f"{language}_panic_words", _("A panic word must contain letters or digits.")
                    )
                data[f"{language}_panic_list"] = found
        return data

    def own_values(self) -> tuple[dict[str, dict[str, str]], dict[str, list[str]]]:
        """What differs from the shipped texts (the rest keeps following the translations)."""
        data = self.cleaned_data
        own_texts: dict[str, dict[str, str]] = {}
        own_words: dict[str, list[str]] = {}
        for language in texts.LANGUAGES:
            shipped = texts.shipped(self.channel.kind, language)
            own = {
                key: data[f"{language}_{key}"].strip()
                for key in ("first_reply", "risk")
                if data[f"{language}_{key}"].strip() != shipped[key].strip()
            }
            if own:
                own_texts[language] = own
            found = data[f"{language}_panic_list"]
            if found != texts.DEFAULT_PANIC_WORDS.get(language, []):
                own_words[language] = found
        return own_texts, own_words


@require_http_methods(["GET", "POST"])
@require_role(Role.COORDINATOR, Role.ADMIN)
def channel_texts(request: HavenRequest, channel_id: UUID) -> HttpResponse:
    # Channels are in no vault; a duress session sees none (as on the overview).
    channel = None if request.keyring.duress else Channel.objects.filter(pk=channel_id).first()
    if channel is None:
        raise Http404
    form = ChannelTextsForm(request.POST or None, channel=channel)
    if request.method == "POST" and form.is_valid():
        own_texts, own_words = form.own_values()
        save_channel_texts(
            actor=request.user, channel=channel, texts_by_language=own_texts, panic_words=own_words
        )
        messages.success(request, _("Texts of %(channel)s saved.") % {"channel": channel.name})
        return redirect("channels-texts", channel_id=channel.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "channels/texts.html", {"channel": channel, "form": form}, status=status)
