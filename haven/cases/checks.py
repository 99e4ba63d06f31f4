"""Free-text regions from before the closed list that are still in plaintext (haven.W101)."""

from __future__ import annotations

from typing import Any

from django.core.checks import Tags, Warning, register
from django.db import DatabaseError


@register(Tags.database)
def unsealed_regions(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """Runs with `migrate` and `check --database default`: right after the migration that left
    them, the operator is told what to run."""
    from haven.cases.models import Case

    try:
        waiting = Case.objects.exclude(region_unsealed="").count()
    except DatabaseError:  # not migrated yet
        return []
    if not waiting:
        return []
    return [
        Warning(
            f"{waiting} case(s) still hold a free-text region of origin in plaintext.",
            hint="A coordinator holding those cases runs `haven seal-regions --user NAME` "
            "(docs/cases.md); then VACUUM the database so the old row versions go too.",
            id="haven.W101",
        )
    ]
