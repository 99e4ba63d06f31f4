"""Functions this app offers to the others through `haven.core.registry` hooks."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count


def exposure_rows_per_vault() -> dict[str, Counter[object]]:
    """{intake_requests: rows per vault}, for the exposure report (haven.cases.exposure)."""
    from haven.intake.models import HelpRequest

    return {
        "intake_requests": Counter(
            dict(
                HelpRequest.objects.values_list("vault_id")
                .annotate(n=Count("id"))
                .values_list("vault_id", "n")
            )
        )
    }
