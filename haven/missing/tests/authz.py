"""Authorisation matrix rows for the registry's URLs (format: haven/testing/authz.py).

Columns: anonymous outsider operator caseworker coordinator lawyer docofficer admin.
The fixture registry is held by the coordinator, the documentation officer and the caseworker;
the outsider is a caseworker without it, the lawyer reads the registry only if given it (not
here), and the admin never has implicit access.
"""

from __future__ import annotations

# fmt: off
EXPECT: dict[str, dict[str, str]] = {
    "missing-list": {
        "GET": "login  200    403    200    200    200    200    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    # Someone without the registry is sent back to the list with a message (302).
    "missing-create": {
        "GET": "login  302    403    200    200    403    200    403",
        "POST": "login  302    403    400    400    403    400    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "missing-access": {
        "GET": "login  403    403    403    200    403    403    403",
        "POST": "login  403    403    403    400    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "missing-export-request": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    302    403    302    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    # Someone without the registry is sent back to the list with a message (302).
    "missing-pfif-import": {
        "GET": "login  302    403    200    200    403    200    403",
        "POST": "login  302    403    400    400    403    400    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    # Without an approved export (or a valid form) it is back to the list with a message.
    "missing-pfif-export": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    302    403    302    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "missing-index-pending": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  302    403    302    302    403    302    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "missing-matches": {
        "GET": "login  200    403    200    200    403    200    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "missing-match": {
        "GET": "login  404    403    200    200    403    200    403",
        "POST": "login  404    403    400    400    403    400    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "missing-detail": {
        "GET": "login  404    403    200    200    404    200    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "missing-edit": {
        "GET": "login  404    403    200    200    403    200    403",
        "POST": "login  404    403    400    400    403    400    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "missing-note": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    400    400    403    400    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "missing-link": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    400    400    403    400    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "missing-unlink": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    400    400    403    400    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
}
# fmt: on


def _registry(world):  # type: ignore[no-untyped-def]
    from haven.missing import actions
    from haven.testing.personas import keyring_for
    from haven.vault import blind_index

    coordinator = world.user("coordinator")
    ring = keyring_for(coordinator)
    index = blind_index.index_vault()
    if index is not None and not keyring_for(world.user("docofficer")).can_open(index):
        from django.utils import timezone

        from haven.vault.models import Vault

        Vault.objects.filter(pk=index.pk).update(shredded_at=timezone.now())
    if blind_index.index_vault() is None:
        blind_index.set_up_index_vault(
            actor=coordinator,
            keyring=ring,
            members=[world.user("caseworker"), world.user("docofficer")],
        )
    registry = actions.registry_vault()
    holders = [ring, keyring_for(world.user("docofficer")), keyring_for(world.user("caseworker"))]
    if registry is not None and not all(h.can_open(registry) for h in holders):
        # Earlier rows of the matrix (an account reset, the emergency wipe) took grants away.
        from django.utils import timezone

        from haven.vault.models import Vault

        Vault.objects.filter(pk=registry.pk).update(shredded_at=timezone.now())
        ring = keyring_for(coordinator)
    actions.set_up_registry(
        keyring=ring, members=[world.user("docofficer"), world.user("caseworker")]
    )
    return keyring_for(world.user("docofficer"))


def _report(world):  # type: ignore[no-untyped-def]
    from haven.missing import actions

    ring = _registry(world)
    report = actions.save_report(keyring=ring, values={"full_name": "Хасан Абдулаев"})
    return {"report_id": report.id}


def _candidate(world):  # type: ignore[no-untyped-def]
    from haven.missing import actions
    from haven.missing.models import MatchCandidate

    ring = _registry(world)
    actions.save_report(keyring=ring, values={"full_name": "Хасан Абдулаев"})
    actions.save_report(keyring=ring, values={"full_name": "Khasan Abdulayev"})
    return {"candidate_id": MatchCandidate.objects.order_by("-found_at").first().id}  # type: ignore[union-attr]


def _registry_only(world):  # type: ignore[no-untyped-def]
    _registry(world)
    return {}


FIXTURES = {
    "missing-create": _registry_only,
    "missing-access": _registry_only,
    "missing-pfif-import": _registry_only,
    "missing-pfif-export": _registry_only,
    "missing-detail": _report,
    "missing-edit": _report,
    "missing-note": _report,
    "missing-link": _report,
    "missing-unlink": _report,
    "missing-match": _candidate,
}
