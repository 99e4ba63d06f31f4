from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def wipe_state(request: HttpRequest) -> dict[str, Any]:
    """After an emergency wipe, every staff page (sign-in included) says so plainly. The public
    portal says nothing: a visitor learns nothing about the installation's state."""
    if not request.path.startswith("/staff/"):
        return {}
    from haven.ops.models import WipeRecord

    record = WipeRecord.objects.order_by("-at").first()
    return {"haven_wiped": record} if record else {}
