"""The exposure report: what each staff account could reveal if it were an informant's, or
its owner were coerced. Counted from grants and row counts only; nothing is decrypted."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass

from django.db import models
from django.db.models import Count, QuerySet

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
    suspended: bool = False

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
    from haven.missing.models import MissingPersonReport

    return Counter(
        dict(
            MissingPersonReport.objects.values_list("vault_id")
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


def _per_user(grants: QuerySet[Grant]) -> dict[int, dict[str, int]]:
    people, requests = _identities_per_vault()
    registry = _registry_per_vault()
    per_user: dict[int, dict[str, int]] = defaultdict(lambda: dict(EMPTY))
    for user_id, vault_id, kind in (
        grants.filter(vault__shredded_at__isnull=True)
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
    return per_user


EMPTY = {"vaults": 0, "people": 0, "safe_houses": 0, "intake_requests": 0, "registry_reports": 0}


def exposure_of(user: User) -> dict[str, int]:
    """What one account can reveal right now (kept in the audit row when it is burned)."""
    return dict(_per_user(Grant.objects.filter(user=user)).get(user.pk, EMPTY))


def exposure_report() -> list[Exposure]:
    """One row per account that still holds keys (active or suspended: a suspended account's
    grants come back with it), most exposed first. A constant number of queries."""
    per_user = _per_user(Grant.objects.all())
    rows = []
    for user in (
        User.objects.filter(burned_at__isnull=True)
        .filter(models.Q(is_active=True) | models.Q(suspended_at__isnull=False))
        .prefetch_related("role_assignments")
        .order_by("username")
    ):
        counts = per_user.get(user.pk, dict(EMPTY))
        rows.append(
            Exposure(
                user.pk,
                user.username,
                sorted(r.role for r in user.role_assignments.all()),
                **counts,
                suspended=user.suspended_at is not None,
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


@dataclass(frozen=True)
class BurnedExposure:
    """What a burned account could have revealed at the moment it was burned (from the audit
    row of the burn: the grants themselves are gone)."""

    user_id: int
    username: str
    burned_at: object
    reason: str
    vaults: int
    people: int
    safe_houses: int
    intake_requests: int
    registry_reports: int


def burned_exposure() -> list[BurnedExposure]:
    from haven.audit.models import AuditEvent

    burned = {u.pk: u for u in User.objects.filter(burned_at__isnull=False)}
    rows: dict[int, BurnedExposure] = {}
    for event in AuditEvent.objects.filter(action="account.burn").order_by("id"):
        user = burned.get(int(event.object_id)) if event.object_id.isdigit() else None
        if user is None:
            continue
        exposed = {**EMPTY, **(event.data or {}).get("exposure", {})}
        rows[user.pk] = BurnedExposure(
            user.pk,
            user.username,
            event.created_at,
            str((event.data or {}).get("reason", "")),
            **{k: int(exposed[k]) for k in EMPTY},
        )
    return sorted(rows.values(), key=lambda r: r.burned_at, reverse=True)  # type: ignore[arg-type,return-value]
