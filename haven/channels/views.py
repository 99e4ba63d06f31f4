"""Channel pages: the providers' webhooks (public, authenticated by each channel's own secret
or signature) and the staff overview of channels and their health."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from haven.accounts.access import require_role
from haven.accounts.models import Role
from haven.channels.adapters import WebhookRejected
from haven.channels.delivery import mark_delivered
from haven.channels.ingest import adapter_for, ingest
from haven.channels.models import Channel, Reply
from haven.core.http import HavenRequest
from haven.lib.admission import SharedBudget, acquire_in_turn

MAX_WEBHOOK_BYTES = 1024 * 1024  # a text message; attachments are fetched, never pushed here
WEBHOOK_WAIT_SECONDS = 5.0


def webhook_budget() -> SharedBudget:
    """Providers' webhooks have their own lane, so a flood of them cannot take the portal's
    places (and the portal's flood cannot drop a provider's delivery: it retries on 503)."""
    directory = (
        getattr(settings, "HAVEN_ADMISSION_DIR", "") or Path(settings.DATA_DIR) / "admission"
    )
    return SharedBudget(
        Path(directory),
        "channel-webhooks",
        slots=settings.HAVEN_CHANNEL_WEBHOOK_CONCURRENCY,
        rate=settings.HAVEN_CHANNEL_WEBHOOK_PER_SECOND,
        burst=settings.HAVEN_CHANNEL_WEBHOOK_BURST,
    )


def _refuse(status: int) -> JsonResponse:
    # The same short answer for "no such channel" and "bad signature": nothing to probe.
    return JsonResponse({"ok": False}, status=status)


@login_not_required
@csrf_exempt  # a provider's server, no session: the channel's secret or signature authenticates
@require_POST
def webhook(request: HttpRequest, channel_id: UUID) -> HttpResponse:
    length = request.headers.get("Content-Length", "")
    if not length.isdigit() or int(length) > MAX_WEBHOOK_BYTES:
        return _refuse(413)
    channel = Channel.objects.filter(pk=channel_id, enabled=True).first()
    if channel is None:
        return _refuse(403)
    # Built before taking a place: the first webhook of a process imports every adapter
    # (aiogram, matrix-nio ... about a second), which must not hold a place while the rest of
    # a burst waits for one and runs out of time (503s in the burst bench under gunicorn).
    adapter = adapter_for(channel)
    # A short wait in turn absorbs a burst; past it the provider gets 503 and retries later.
    slot = acquire_in_turn(webhook_budget(), timeout=WEBHOOK_WAIT_SECONDS)
    if slot is None:
        adapter.close()
        return _refuse(503)  # the provider retries later; nothing was accepted
    with slot:
        try:
            messages = adapter.parse_webhook(headers=request.headers, body=request.body)
        except (WebhookRejected, NotImplementedError):
            return _refuse(403)
        finally:
            adapter.close()
        for provider_id, failed in getattr(adapter, "reports", []):
            mark_delivered(channel=channel, provider_id=provider_id, failed=failed)
        for message in messages:
            ingest(channel, message)
    # Answered only after every message is committed: a provider that saw 200 may forget it.
    return JsonResponse({"ok": True})


@require_GET
@require_role(Role.COORDINATOR, Role.ADMIN)
def channel_list(request: HavenRequest) -> HttpResponse:
    rows = []
    # Channels are not in any vault, so the keyring filters nothing: a coerced coordinator's
    # duress session shows an installation with no channels.
    channels = Channel.objects.none() if request.keyring.duress else Channel.objects.all()
    for channel in channels.order_by("name"):
        replies = Reply.objects.filter(channel=channel)
        rows.append(
            {
                "channel": channel,
                "queued": replies.filter(status=Reply.Status.QUEUED).count(),
                "failed": replies.filter(status=Reply.Status.FAILED).count(),
                "senders": channel.senders.count(),
            }
        )
    return render(request, "channels/list.html", {"rows": rows})
