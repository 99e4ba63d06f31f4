"""PFIF exchange in the browser: import a partner's file (1.2, 1.3 or 1.4) into the registry, and
download the registry as PFIF 1.4 once a second coordinator has approved an export.

Both act on the registry vault, which the person must hold. The uploaded file stays in memory
(the upload handler never writes a temporary file: invariant 1) and is read as a stream. An error
names the record and the field, in the person's language, and nothing is imported."""

from __future__ import annotations

import io

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from haven.accounts.access import require_role
from haven.accounts.models import Role
from haven.cases.public import CaseError, use_export_approval
from haven.core.http import HavenRequest
from haven.missing import actions, pfif
from haven.missing.errors import MissingError
from haven.missing.forms import PfifExportForm, PfifImportForm

WRITE_ROLES = (Role.DOCUMENTATION, Role.COORDINATOR, Role.CASEWORKER)


def _summary(result: pfif.ImportResult) -> str:
    return _(
        "PFIF %(version)s imported: %(created)s new persons, %(updated)s updated, "
        "%(existing)s already here, %(expired)s expired and not imported; %(notes)s new notes, "
        "%(notes_existing)s already here, %(held)s held until their person arrives, "
        "%(applied)s held earlier and now added; %(links)s new links."
    ) % {
        "version": result.version,
        "created": result.persons_created,
        "updated": result.persons_updated,
        "existing": result.persons_existing,
        "expired": result.persons_expired,
        "notes": result.notes_created,
        "notes_existing": result.notes_existing,
        "held": result.notes_held,
        "applied": result.held_applied,
        "links": result.links_created,
    }


@require_http_methods(["GET", "POST"])
@require_role(*WRITE_ROLES)
def pfif_import(request: HavenRequest) -> HttpResponse:
    vault = actions.registry_vault()
    if vault is None or not request.keyring.can_open(vault):
        messages.error(request, _("You do not have access to the registry."))
        return redirect("missing-list")
    form = PfifImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            result = pfif.import_stream(
                keyring=request.keyring, open_stream=lambda: io.BytesIO(data)
            )
        except MissingError as exc:
            form.add_error(
                "file",
                _("%(error)s Nothing was imported.") % {"error": exc},
            )
        else:
            messages.success(request, _summary(result))
            if result.ignored:
                messages.info(
                    request,
                    _("Fields this PFIF version does not have were not read: %(fields)s.")
                    % {"fields": ", ".join(sorted(result.ignored))},
                )
            return redirect("missing-list")
    status = 400 if request.method == "POST" else 200
    return render(request, "missing/pfif_import.html", {"form": form}, status=status)


@require_POST
@require_role(Role.DOCUMENTATION, Role.COORDINATOR)
def pfif_export(request: HavenRequest) -> HttpResponse:
    """Download the registry as PFIF 1.4. Consumes one export approved by a second coordinator,
    in the same transaction as the audit event (the two-person rule for identified data)."""
    form = PfifExportForm(request.POST)
    vault = actions.registry_vault()
    if vault is None or not request.keyring.can_open(vault):
        messages.error(request, _("You do not have access to the registry."))
        return redirect("missing-list")
    if not form.is_valid():
        messages.error(request, _("Choose where the notes go: inside each person or after them."))
        return redirect("missing-list")
    notes = form.cleaned_data["notes"]
    buffer = io.BytesIO()
    try:
        with transaction.atomic():
            use_export_approval(actor=request.user, vault=vault)
            count = pfif.write_pfif(keyring=request.keyring, out=buffer, notes=notes)
            pfif.audit_export(keyring=request.keyring, persons=count, notes=notes)
    except CaseError as exc:
        messages.error(request, str(exc))
        return redirect("missing-list")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = HttpResponse(buffer.getvalue(), content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="registry-{settings.HAVEN_PFIF_DOMAIN}-{stamp}.pfif.xml"'
    )
    return response
