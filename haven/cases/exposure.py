"""The exposure report: what each staff account could reveal if it were an informant's, or
its owner were coerced. Counted from grants and row counts only; nothing is decrypted."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass

from django.db.models import Count

from haven.accounts.models import User
from haven.vault.models import Grant, Vault


@dataclass(frozen=True)
class Exposure:
    user_id: int
    username: str
    roles: list[str]
    vaults: int
    people: int
    safe_houses: int
    intake_requests: int
    registry_reports: int = 0

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    @property
    def role_labels(self) -> list[str]:
        """The roles in words, for the page (the export keeps the codes)."""
        from haven.accounts.models import Role

        return [str(Role(r).label) if r in Role.values else r for r in self.roles]


def _registry_per_vault() -> Counter[object]:
    from django.apps import apps

    if not apps.is_installed("haven.missing"):
        return Counter()
    from haven.missing.models import Report

    return Counter(
        dict(
            Report.objects.values_list("vault_id")
            .annotate(n=Count("id"))
            .values_list("vault_id", "n")
        )
    )


def _identities_per_vault() -> tuple[Counter[object], Counter[object]]:
    from haven.cases.models import Person

    people: Counter[object] = Counter(
        dict(
            Person.objects.values_list("vault_id")
            .annotate(n=Count("id"))
            .values_list("vault_id", "n")
        )
    )
    from haven.intake.models import HelpRequest

    requests: Counter[object] = Counter(
        dict(
            HelpRequest.objects.values_list("vault_id")
            .annotate(n=Count("id"))
            .values_list("vault_id", "n")
        )
    )
    return people, requests


def exposure_report() -> list[Exposure]:
    """One row per active staff account, most exposed first. A constant number of queries."""
    people, requests = _identities_per_vault()
    registry = _registry_per_vault()
    empty = {
        "vaults": 0,
        "people": 0,
        "safe_houses": 0,
        "intake_requests": 0,
        "registry_reports": 0,
    }
    per_user: dict[int, dict[str, int]] = defaultdict(lambda: dict(empty))
    for user_id, vault_id, kind in (
        Grant.objects.filter(vault__shredded_at__isnull=True)
        .values_list("user_id", "vault_id", "vault__kind")
        .iterator(chunk_size=5000)
    ):
        row = per_user[user_id]
        row["vaults"] += 1
        row["people"] += people.get(vault_id, 0)
        row["intake_requests"] += requests.get(vault_id, 0)
        row["registry_reports"] += registry.get(vault_id, 0)
        if kind == Vault.Kind.SAFE_HOUSE:
            row["safe_houses"] += 1
    rows = []
    for user in (
        User.objects.filter(is_active=True)
        .prefetch_related("role_assignments")
        .order_by("username")
    ):
        counts = per_user.get(user.pk, dict(empty))
        rows.append(
            Exposure(
                user.pk,
                user.username,
                sorted(r.role for r in user.role_assignments.all()),
                **counts,
            )
        )
    rows.sort(
        key=lambda r: (
            -(r.people + r.intake_requests + r.registry_reports),
            -r.safe_houses,
            r.username,
        )
    )
    return rows
