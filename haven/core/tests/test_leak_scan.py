"""Invariant 1: markers planted in sealed fields appear nowhere at rest or in the logs."""

from __future__ import annotations

import pytest

from haven.cases.models import Case, Person
from haven.testing.leakscan import Markers, assert_no_leaks, database_bytes
from haven.testing.personas import keyring_for, sign_in
from haven.vault.actions import create_vault


@pytest.mark.django_db(transaction=True)
def test_no_sealed_value_is_found_in_the_database_or_the_logs(personas, caplog, client) -> None:
    markers = Markers()
    keyring = keyring_for(personas.caseworker)
    for _ in range(3):
        vault = create_vault(
            actor=personas.caseworker, kind="case", members=[personas.caseworker], keyring=keyring
        )
        case = Case.objects.create(vault=vault)
        person = Person(case=case, vault=vault)
        keyring.open(vault).seal(
            person,
            given_name=markers.new("given", cyrillic=True),
            family_name=markers.new("family"),
            aliases=[markers.new("alias"), markers.new("alias", cyrillic=True)],
            notes=markers.new("notes"),
        )
        person.save()
    keyring.flush_audit()
    sign_in(client, personas.caseworker)
    client.get("/staff/")
    assert_no_leaks(markers, log_text=caplog.text)


@pytest.mark.django_db(transaction=True)
def test_the_scan_does_find_a_marker_written_in_plain_text(personas) -> None:
    """The scan must be able to fail, or it proves nothing."""
    from haven.alerts.models import Notification

    markers = Markers()
    Notification.objects.create(
        recipient=personas.caseworker, kind="panic", reference=markers.new("plain")
    )
    with pytest.raises(AssertionError, match="identifying data found"):
        assert_no_leaks(markers)
    assert markers.values[0].encode() in database_bytes()
