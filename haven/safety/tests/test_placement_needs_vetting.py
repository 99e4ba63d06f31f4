"""No safe-house placement before vetting: the pipeline's rule holds for the house page's
"Place" too, because both go through the one rule (`Case.placement_refusal`)."""

from __future__ import annotations

import pytest
from django.utils import translation

from haven.cases import actions as case_actions
from haven.safety import actions
from haven.safety.models import Placement
from haven.testing.personas import keyring_for


@pytest.fixture
def house(personas):  # type: ignore[no-untyped-def]
    return actions.create_house(
        keyring=keyring_for(personas.coordinator),
        code="Birch",
        capacity=2,
        address="ул. Тайная 7",
        access_instructions="",
        host_contact="",
    )


@pytest.fixture
def unvetted_case(personas):  # type: ignore[no-untyped-def]
    return case_actions.create_case(
        keyring=keyring_for(personas.coordinator), risk="high", caseworker=personas.caseworker
    )


@pytest.mark.django_db
def test_placing_a_case_that_is_not_vetted_is_refused_on_the_page_with_the_case_still_chosen(
    personas, client_for, house, unvetted_case
) -> None:  # type: ignore[no-untyped-def]
    response = client_for(personas.coordinator).post(
        f"/staff/safe-houses/{house.id}/place/", {"case": str(unvetted_case.id)}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "проверку должен одобрить координатор" in body
    assert f'value="{unvetted_case.id}" selected' in body
    assert "Размещено." not in body
    assert not Placement.objects.exists()


@pytest.mark.django_db
def test_the_placement_action_refuses_an_unvetted_or_rejected_case_whoever_calls_it(
    personas, house, unvetted_case
) -> None:  # type: ignore[no-untyped-def]
    with translation.override("en"), pytest.raises(actions.SafetyError, match="Vetting must"):
        actions.place(actor=personas.coordinator, house=house, case=unvetted_case)
    case_actions.decide_vetting(actor=personas.coordinator, case=unvetted_case, decision="rejected")
    with pytest.raises(actions.SafetyError):
        actions.place(actor=personas.coordinator, house=house, case=unvetted_case)
    assert not Placement.objects.exists()
    case_actions.decide_vetting(actor=personas.coordinator, case=unvetted_case, decision="approved")
    actions.place(actor=personas.coordinator, house=house, case=unvetted_case)
    assert [p.case for p in actions.current_residents(house)] == [unvetted_case]


@pytest.mark.django_db
def test_a_vetted_case_is_placed_from_the_house_page(
    personas, client_for, house, unvetted_case
) -> None:  # type: ignore[no-untyped-def]
    case_actions.decide_vetting(actor=personas.coordinator, case=unvetted_case, decision="approved")
    response = client_for(personas.coordinator).post(
        f"/staff/safe-houses/{house.id}/place/", {"case": str(unvetted_case.id)}
    )
    assert response.status_code == 302
    assert Placement.objects.get().case == unvetted_case
