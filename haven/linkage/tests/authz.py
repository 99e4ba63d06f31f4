"""Authorisation matrix rows for the linkage app (format: haven/testing/authz.py).

Columns: anonymous outsider operator caseworker coordinator lawyer docofficer admin.
Only coordinators see and decide suggestions; the fixture suggestion is in the registry vault,
held by the coordinator alone. An empty decision is refused with the page (400), and so is an
empty request to encode the case list (no reason).
"""

from __future__ import annotations

# fmt: off
EXPECT: dict[str, dict[str, str]] = {
    "linkage-list": {
        "GET": "login  403    403    403    200    403    403    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "linkage-encoding-request": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    400    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "linkage-decide": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    400    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
}
# fmt: on


def make_suggestion(world):  # type: ignore[no-untyped-def]
    from haven.linkage.models import LinkageComparison, LinkageExport, LinkageSuggestion
    from haven.missing import actions
    from haven.testing.personas import keyring_for

    coordinator = world.user("coordinator")
    ring = keyring_for(coordinator)
    vault = actions.set_up_registry(keyring=ring)
    report = actions.save_report(keyring=ring, values={"full_name": "Хасан Абдулаев"})
    export = LinkageExport.objects.create(
        handle="authz-export", source="registry", created_by=coordinator
    )
    comparison = LinkageComparison.objects.create(
        export=export, partner_digest="0" * 64, threshold=0.86, created_by=coordinator
    )
    suggestion = LinkageSuggestion(comparison=comparison, vault=vault, score=0.93)
    ring.open(vault).seal(
        suggestion,
        our_record={"kind": "report", "id": str(report.pk)},
        partner="Partner",
        partner_token="t",
    )
    suggestion.save()
    return {"suggestion_id": suggestion.id}


FIXTURES = {"linkage-decide": make_suggestion}
