"""Vaults, grants and wrapped user keys. Key material here is always ciphertext."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UUIDModel(models.Model):
    """A row keyed by a random UUID: sealed-field associated data binds each ciphertext to its
    row's key, so keys must never be guessable or reused (and say nothing about order)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True


class VaultManager(models.Manager["Vault"]):
    def current(self, kind: str) -> Vault | None:
        """The vault of a one-of-a-kind compartment (intake, registry, search index): the oldest
        one not shredded, so that a second one created by a race never takes over its content."""
        return self.filter(kind=kind, shredded_at__isnull=True).order_by("created_at").first()


class Vault(UUIDModel):
    class Kind(models.TextChoices):
        INTAKE = "intake", _("Intake")
        CASE = "case", _("Case")
        SAFE_HOUSE = "safe_house", _("Safe house")
        REGISTRY = "registry", _("Missing-persons registry")
        EVIDENCE = "evidence", _("Evidence")
        INDEX = "index", _("Search index")
        CODENAME = "codename", _("Codename")
        PARTNERS = "partners", _("Partner exchange keys")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Every vault also has a key pair, so that code without a grant (the public portal, the
    # worker) can add content to it that only grant holders can read.
    public_key = models.BinaryField()
    sealed_private_key = models.BinaryField(null=True)
    created_at = models.DateTimeField(default=timezone.now)
    shredded_at = models.DateTimeField(null=True, blank=True)

    objects = VaultManager()

    class Meta:
        indexes = [models.Index(fields=["kind"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def is_shredded(self) -> bool:
        return self.shredded_at is not None


class VaultOwned(models.Model):
    """A record whose sealed fields are under one vault's key. Deleting a vault with records
    left is refused: content goes by crypto-shredding the vault, never by a cascade of rows."""

    vault = models.ForeignKey(Vault, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True


class Grant(models.Model):
    """A vault's data key sealed to one user's public key."""

    vault = models.ForeignKey(Vault, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants"
    )
    sealed_key = models.BinaryField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vault", "user"], name="one_grant_per_user_and_vault")
        ]
        indexes = [models.Index(fields=["user", "vault"])]


class UserKey(models.Model):
    """A staff member's X25519 key pair; the private half wrapped under Argon2id(password)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="key"
    )
    public_key = models.BinaryField()
    wrapped_private_key = models.BinaryField()
    salt = models.BinaryField()
    opslimit = models.PositiveIntegerField()
    memlimit = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
