from __future__ import annotations

from dataclasses import dataclass

import pytest

from haven.cases import actions as case_actions
from haven.partners import actions
from haven.partners import package as pkg
from haven.testing.personas import keyring_for


@dataclass
class OtherOrganisation:
    """A partner whose secret keys the test holds, to build its packages and open ours."""

    age_identity: str
    age_recipient: str
    seed: bytes

    @property
    def verify_key(self) -> str:
        return pkg.verify_key_hex(self.seed)

    def package(self, *, to: str, type: str, content: dict, **kw) -> pkg.Package:  # type: ignore[no-untyped-def,type-arg]  # noqa: A002
        from django.utils import timezone

        return pkg.build(
            type=type,
            content=content,
            recipient_age=to,
            signing_seed=self.seed,
            now=timezone.now(),
            **kw,
        )


def other_organisation() -> OtherOrganisation:
    identity, recipient = pkg.new_age_identity()
    return OtherOrganisation(identity, recipient, pkg.new_signing_seed())


@pytest.fixture
def keys(personas):  # type: ignore[no-untyped-def]
    return actions.set_up_exchange_keys(keyring=keyring_for(personas.coordinator))


@pytest.fixture
def other():  # type: ignore[no-untyped-def]
    return other_organisation()


@pytest.fixture
def partner(personas, other):  # type: ignore[no-untyped-def]
    return actions.save_partner(
        actor=personas.coordinator,
        values={
            "name": "Rainbow Railroad (synthetic)",
            "services": "resettlement",
            "countries": ["CA"],
            "haven_url": "",
            "age_recipient": other.age_recipient,
            "verify_key": other.verify_key,
            "active": True,
        },
    )


@pytest.fixture
def case(personas):  # type: ignore[no-untyped-def]
    ring = keyring_for(personas.coordinator)
    c = case_actions.create_case(keyring=ring, risk="high", region_of_origin="")
    case_actions.save_person(
        keyring=ring,
        case=c,
        values={"given_name": "Ислам", "family_name": "Исаев", "languages": ["ru", "ce"]},
    )
    case_actions.assign(keyring=ring, case=c, user=personas.coordinator2)
    return c


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    from django.utils import translation

    with translation.override("en"):
        yield
