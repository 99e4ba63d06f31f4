"""Staff accounts, roles, login throttling and server-side sessions."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OPERATOR = "operator", _("Hotline operator")
    CASEWORKER = "caseworker", _("Caseworker")
    COORDINATOR = "coordinator", _("Coordinator")
    LAWYER = "lawyer", _("Lawyer / on-call responder")
    DOCUMENTATION = "documentation", _("Documentation officer")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    """A staff member. The user name is a pseudonymous handle, not a legal name (documented):
    it is metadata the server must be able to read to let someone sign in."""

    # AbstractUser's name and e-mail columns would be plaintext identifying data: never filled.
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = None  # type: ignore[assignment]
    duress_password = models.CharField(max_length=255, blank=True, default="")
    must_change_password = models.BooleanField(default=False)
    burned_at = models.DateTimeField(null=True, blank=True)
    # Suspended: sessions ended and sign-in refused (is_active is off), grants kept, so that a
    # coordinator can undo it. Burning is the irreversible step and needs a second coordinator.
    suspended_at = models.DateTimeField(null=True, blank=True)
    preferred_language = models.CharField(max_length=8, blank=True, default="")
    # Set on the instance by VaultKeyBackend at sign-in and never saved: the private key unwrapped
    # for this request (None under the duress password) and whether the duress password was used.
    haven_private_key: bytes | None
    haven_duress: bool

    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]

    @cached_property
    def roles(self) -> frozenset[str]:
        return frozenset(self.role_assignments.values_list("role", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(r).label) for r in sorted(self.roles)]

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None and self.burned_at is None

    @property
    def has_key_pair(self) -> bool:
        from haven.vault.models import UserKey

        return UserKey.objects.filter(user=self).exists()


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=16, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="one_assignment_per_role")
        ]
        indexes = [models.Index(fields=["role"])]


class LoginThrottle(models.Model):
    """Failed sign-ins per account name (by its hash: the table must not list what was typed)."""

    name_hash = models.CharField(max_length=64, primary_key=True)
    failures = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)


class StaffSession(AbstractBaseSession):
    """Django's database session plus the user it belongs to, so burning an account can end
    every one of its sessions at once."""

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="sessions"
    )

    @classmethod
    def get_session_store_class(cls):
        from haven.accounts.sessions import SessionStore

        return SessionStore
