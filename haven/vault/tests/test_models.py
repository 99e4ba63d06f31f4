"""The shared model bases and the vault manager."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import ProtectedError
from django.utils import timezone

from haven.safety.models import SafeHouse
from haven.vault.models import Vault

pytestmark = pytest.mark.django_db


def _vault(kind: str, *, created_minutes_ago: int, shredded: bool = False) -> Vault:
    now = timezone.now()
    return Vault.objects.create(
        kind=kind,
        public_key=b"\0" * 32,
        created_at=now - dt.timedelta(minutes=created_minutes_ago),
        shredded_at=now if shredded else None,
    )


def test_the_current_vault_of_a_kind_is_the_oldest_one_not_shredded() -> None:
    _vault(Vault.Kind.REGISTRY, created_minutes_ago=30, shredded=True)
    oldest_live = _vault(Vault.Kind.REGISTRY, created_minutes_ago=20)
    _vault(Vault.Kind.REGISTRY, created_minutes_ago=10)
    _vault(Vault.Kind.INTAKE, created_minutes_ago=40)

    assert Vault.objects.current(Vault.Kind.REGISTRY) == oldest_live


def test_there_is_no_current_vault_when_every_vault_of_the_kind_is_shredded() -> None:
    _vault(Vault.Kind.INDEX, created_minutes_ago=5, shredded=True)
    _vault(Vault.Kind.INTAKE, created_minutes_ago=5)

    assert Vault.objects.current(Vault.Kind.INDEX) is None


def test_a_record_made_on_the_bases_gets_a_random_key_and_keeps_its_vault_from_deletion() -> None:
    vault = _vault(Vault.Kind.SAFE_HOUSE, created_minutes_ago=1)
    first = SafeHouse.objects.create(vault=vault, code="north", capacity=2)
    second = SafeHouse.objects.create(vault=vault, code="south", capacity=2)

    assert first.id.version == 4
    assert first.id != second.id
    with pytest.raises(ProtectedError):
        vault.delete()
