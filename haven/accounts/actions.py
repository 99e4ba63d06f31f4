"""Account writes: creating staff, passwords, duress, burning. Each audited in its transaction."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts.models import LoginThrottle, Role, RoleAssignment, StaffSession, User
from haven.audit.log import log_event
from haven.vault.models import Grant, UserKey
from haven.vault.userkeys import create_user_key, rewrap_user_key


@dataclass(frozen=True)
class NewCredentials:
    """Shown once to the admin, handed over in person, never stored in clear."""

    user: User
    password: str
    totp_device: TOTPDevice


def _temporary_password() -> str:
    return "-".join(secrets.token_hex(3) for _ in range(4))


def _new_totp(user: User) -> TOTPDevice:
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name="default", confirmed=True)


def create_staff_user(
    *, actor: User | None, username: str, roles: list[str], password: str | None = None
) -> NewCredentials:
    """A new account with a key pair, a TOTP device and a temporary password (unless given)."""
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    with transaction.atomic():
        user = User(username=username.strip(), must_change_password=password is None)
        user.set_unusable_password()
        user.save()
        RoleAssignment.objects.bulk_create(
            [RoleAssignment(user=user, role=r) for r in sorted(set(roles))]
        )
        password = password or _temporary_password()
        create_user_key(user, password)
        device = _new_totp(user)
        log_event(
            actor=actor,
            action="account.create",
            object_type="user",
            object_id=user.pk,
            data={"roles": sorted(set(roles))},
        )
    return NewCredentials(user, password, device)


def set_roles(*, actor: User, user: User, roles: list[str]) -> None:
    with transaction.atomic():
        RoleAssignment.objects.filter(user=user).exclude(role__in=roles).delete()
        existing = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
        RoleAssignment.objects.bulk_create(
            [RoleAssignment(user=user, role=r) for r in set(roles) - existing]
        )
        log_event(
            actor=actor,
            action="account.roles",
            object_type="user",
            object_id=user.pk,
            data={"roles": sorted(roles)},
        )
    user.__dict__.pop("roles", None)


def change_password(*, user: User, private_key: bytes, new_password: str) -> None:
    """Re-wraps the private key under the new password; grants stay valid. Other sessions end
    (the session hash changes with the unusable password marker)."""
    with transaction.atomic():
        rewrap_user_key(user, private_key, new_password)
        user.set_unusable_password()
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        log_event(
            actor=user, action="account.password_change", object_type="user", object_id=user.pk
        )


def set_duress_password(*, user: User, duress_password: str | None) -> None:
    with transaction.atomic():
        user.duress_password = make_password(duress_password) if duress_password else ""
        user.save(update_fields=["duress_password"])
        log_event(
            actor=user,
            action="account.duress_set",
            object_type="user",
            object_id=user.pk,
            data={"set": bool(duress_password)},
        )


def raise_duress_alarm(user: User, *, keep_session_key: str | None = None) -> None:
    """A duress sign-in (web or command line): audited, coordinators silently alerted, and the
    account burned if the installation says so (`keep_session_key` spares the duress session that
    is showing the empty workspace)."""
    from haven.alerts.actions import notify_role
    from haven.audit.log import record

    record(actor=user, action="login.duress", object_type="user", object_id=user.pk)
    notify_role(
        role=Role.COORDINATOR,
        kind="duress_login",
        reference=f"staff-{user.pk}",
        link=f"/staff/accounts/{user.pk}/",
        exclude=user,
    )
    if settings.HAVEN_DURESS_BURNS_ACCOUNT:
        burn_account(actor=None, user=user, reason="duress", keep_session_key=keep_session_key)


def burn_account(
    *, actor: User | None, user: User, reason: str = "manual", keep_session_key: str | None = None
) -> dict[str, int]:
    """Delete every grant and session of `user` at once and lock the account. What the account
    could open is gone from it immediately; reading the vaults again needs fresh grants.
    `keep_session_key` spares the duress session that is showing the empty workspace."""
    with transaction.atomic():
        grants, _rows = Grant.objects.filter(user=user).delete()
        sessions_qs = StaffSession.objects.filter(user=user)
        if keep_session_key:
            sessions_qs = sessions_qs.exclude(session_key=keep_session_key)
        sessions, _rows = sessions_qs.delete()
        UserKey.objects.filter(user=user).delete()
        User.objects.filter(pk=user.pk).update(
            burned_at=timezone.now(), is_active=keep_session_key is not None, duress_password=""
        )
        counts = {"grants": grants, "sessions": sessions}
        log_event(
            actor=actor,
            action="account.burn",
            object_type="user",
            object_id=user.pk,
            data={**counts, "reason": reason},
        )
    return counts


def admin_reset(*, actor: User, user: User) -> NewCredentials:
    """A new key pair, temporary password and TOTP device. The old key pair is destroyed, so
    every grant the person held is useless and removed: they need fresh grants (documented)."""
    with transaction.atomic():
        Grant.objects.filter(user=user).delete()
        StaffSession.objects.filter(user=user).delete()
        password = _temporary_password()
        create_user_key(user, password)
        user.set_unusable_password()
        user.must_change_password = True
        user.is_active = True
        user.burned_at = None
        user.save(update_fields=["password", "must_change_password", "is_active", "burned_at"])
        device = _new_totp(user)
        log_event(actor=actor, action="account.reset", object_type="user", object_id=user.pk)
    return NewCredentials(user, password, device)


# --- sign-in throttling ------------------------------------------------------------------------


def _name_hash(username: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}|{username.strip().lower()}".encode()).hexdigest()


def seconds_locked(username: str) -> int:
    row = LoginThrottle.objects.filter(pk=_name_hash(username)).first()
    if row is None or row.locked_until is None:
        return 0
    remaining = (row.locked_until - timezone.now()).total_seconds()
    return max(0, int(remaining + 0.999))


def note_failure(username: str) -> int:
    """Count a failed sign-in; after the free attempts, lock for a delay that doubles each time."""
    with transaction.atomic():
        row, _created = LoginThrottle.objects.select_for_update().get_or_create(
            pk=_name_hash(username)
        )
        row.failures += 1
        over = row.failures - settings.HAVEN_LOCKOUT_FREE_ATTEMPTS
        delay = 0
        if over > 0:
            delay = min(
                settings.HAVEN_LOCKOUT_BASE_SECONDS * 2 ** (over - 1),
                settings.HAVEN_LOCKOUT_MAX_SECONDS,
            )
            row.locked_until = timezone.now() + timedelta(seconds=delay)
        row.updated_at = timezone.now()
        row.save()
    return delay


def clear_failures(username: str) -> None:
    LoginThrottle.objects.filter(pk=_name_hash(username)).delete()
