"""Functions this app offers to the others through `haven.core.registry` hooks."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Count


def exposure_rows_per_vault() -> dict[str, Counter[object]]:
    """{registry_reports: rows per vault}, for the exposure report (haven.cases.exposure)."""
    from haven.missing.models import MissingPersonReport

    return {
        "registry_reports": Counter(
            dict(
                MissingPersonReport.objects.values_list("vault_id")
                .annotate(n=Count("id"))
                .values_list("vault_id", "n")
            )
        )
    }


def person_saved(keyring: Any, person: Any, values: dict[str, Any]) -> object:
    """A person in a case was saved (a new intake, a new case, an edit): match them against the
    registry. Suggestions only, written and audited by the action; a person decides."""
    from haven.missing.actions import suggest_for_person

    return suggest_for_person(keyring=keyring, person=person, values=values)
