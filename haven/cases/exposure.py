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

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


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
    per_user: dict[int, dict[str, int]] = defaultdict(
        lambda: {"vaults": 0, "people": 0, "safe_houses": 0, "intake_requests": 0}
    )
    for user_id, vault_id, kind in (
        Grant.objects.filter(vault__shredded_at__isnull=True)
        .values_list("user_id", "vault_id", "vault__kind")
        .iterator(chunk_size=5000)
    ):
        row = per_user[user_id]
        row["vaults"] += 1
        row["people"] += people.get(vault_id, 0)
        row["intake_requests"] += requests.get(vault_id, 0)
        if kind == Vault.Kind.SAFE_HOUSE:
            row["safe_houses"] += 1
    rows = []
    for user in (
        User.objects.filter(is_active=True)
        .prefetch_related("role_assignments")
        .order_by("username")
    ):
        counts = per_user.get(
            user.pk, {"vaults": 0, "people": 0, "safe_houses": 0, "intake_requests": 0}
        )
        rows.append(
            Exposure(
                user.pk,
                user.username,
                sorted(r.role for r in user.role_assignments.all()),
                **counts,
            )
        )
    rows.sort(key=lambda r: (-(r.people + r.intake_requests), -r.safe_houses, r.username))
    return rows
