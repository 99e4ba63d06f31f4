from __future__ import annotations

import secrets

from django import forms
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from plainsite.models import PlainRequest


class PlainForm(forms.Form):
    text = forms.CharField(max_length=100_000)
    contact = forms.CharField(max_length=500, required=False)
    felt_urgency = forms.ChoiceField(choices=[("now", "now"), ("days", "days"), ("later", "later")])


@csrf_exempt  # like the portal's forms (which carry a signed token instead)
def write(request: HttpRequest) -> HttpResponse:
    form = PlainForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            row = PlainRequest.objects.create(reference=secrets.token_hex(6), **form.cleaned_data)
        return render(request, "done.html", {"reference": row.reference})
    return render(
        request, "form.html", {"form": form}, status=400 if request.method == "POST" else 200
    )
