"""Account writes: creating staff, passwords, duress, suspending, burning. Each audited in its
transaction.

No one person can take the organisation apart (invariant 9): suspending another account is
immediate and reversible; burning another account needs a second coordinator
(haven/cases/approvals.py, kind burn_account); the last active administrator or coordinator can
be neither demoted, suspended nor burned by someone else; and a burn that would leave a vault
nobody can open is refused unless the requester lists and accepts those vaults. Only a person's
own panic burn is one press, whatever it costs: they may be in the hands of the police.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts.models import LoginThrottle, Role, RoleAssignment, StaffSession, User
from haven.accounts.throttle import staff_derivations
from haven.audit.log import log_event
from haven.lib.errors import ActionError
from haven.vault.models import Grant, UserKey, Vault
from haven.vault.userkeys import create_user_key, rewrap_user_key


@dataclass(frozen=True)
class NewCredentials:
    """Shown once to the admin, handed over in person, never stored in clear."""

    user: User
    password: str
    totp_device: TOTPDevice


class AccountError(ActionError):
    """A refused account change; the message is translated and shown as it is."""


# Roles the organisation cannot run without: someone must be able to manage accounts (admin) and
# to unsuspend, approve burns and decide disclosures (coordinator).
ESSENTIAL_ROLES = (Role.ADMIN, Role.COORDINATOR)


def _live_holders(role: str) -> models.QuerySet[User]:
    return User.objects.filter(
        role_assignments__role=role,
        is_active=True,
        burned_at__isnull=True,
        suspended_at__isnull=True,
    ).distinct()


def _refuse_removing_the_last(user: User, roles_lost: set[str]) -> None:
    for role in ESSENTIAL_ROLES:
        if role not in roles_lost:
            continue
        if not _live_holders(role).filter(pk=user.pk).exists():
            continue
        if not _live_holders(role).exclude(pk=user.pk).exists():
            raise AccountError(
                _(
                    "%(user)s is the last active %(role)s: the organisation would have none. "
                    "Give someone else this role first."
                )
                % {"user": user.username, "role": Role(role).label.lower()}
            )


def sole_held_vaults(user: User) -> list[Vault]:
    """Vaults that only `user` can open (no other account that is not burned holds a grant):
    burning `user` makes them unreadable for good."""
    others = Grant.objects.filter(
        vault=models.OuterRef("pk"), user__burned_at__isnull=True, user__key__isnull=False
    ).exclude(user=user)
    return list(
        Vault.objects.filter(grants__user=user, shredded_at__isnull=True)
        .exclude(models.Exists(others))
        .order_by("kind", "created_at")
    )


def check_burn_allowed(*, user: User, accept_unreadable: bool) -> list[Vault]:
    """The checks before someone else's account is burned (at the request and again at the
    approval). Returns the vaults that would become unreadable (accepted)."""
    if user.burned_at is not None:
        raise AccountError(_("This account is already burned."))
    _refuse_removing_the_last(user, set(user.roles))
    orphans = sole_held_vaults(user)
    if orphans and not accept_unreadable:
        raise AccountError(
            _(
                "Burning this account would leave %(n)d vault(s) that nobody else can open. "
                "Give someone else access first, or tick the box to accept that they become "
                "unreadable."
            )
            % {"n": len(orphans)}
        )
    return orphans


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
    # The key pair's wrapping costs one staff derivation (256 MiB): under the installation's cap.
    with staff_derivations(), transaction.atomic():
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
        _refuse_removing_the_last(user, set(user.roles) - set(roles))
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
    with staff_derivations(), transaction.atomic():
        rewrap_user_key(user, private_key, new_password)
        user.set_unusable_password()
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        log_event(
            actor=user, action="account.password_change", object_type="user", object_id=user.pk
        )


def set_duress_password(*, user: User, duress_password: str | None) -> None:
    with staff_derivations(), transaction.atomic():
        user.duress_password = make_password(duress_password) if duress_password else ""
        user.save(update_fields=["duress_password"])
        log_event(
            actor=user,
            action="account.duress_set",
            object_type="user",
            object_id=user.pk,
            data={"set": bool(duress_password)},
        )


def raise_duress_alarm(*, user: User, keep_session_key: str | None = None) -> None:
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


def suspend_account(*, actor: User, user: User) -> int:
    """The fast, reversible act, one person alone: every session ends at once and sign-in is
    refused; grants are kept so that a coordinator can undo it. Returns the sessions ended."""
    if actor.pk == user.pk:
        raise AccountError(_("You cannot suspend your own account. To destroy it, burn it."))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.burned_at is not None:
            raise AccountError(_("This account is already burned."))
        if user.suspended_at is not None:
            raise AccountError(_("This account is already suspended."))
        _refuse_removing_the_last(user, set(user.roles))
        sessions, _rows = StaffSession.objects.filter(user=user).delete()
        User.objects.filter(pk=user.pk).update(is_active=False, suspended_at=timezone.now())
        log_event(
            actor=actor,
            action="account.suspend",
            object_type="user",
            object_id=user.pk,
            data={"sessions": sessions},
        )
    return sessions


def unsuspend_account(*, actor: User, user: User) -> None:
    """A coordinator lifts a suspension: the person signs in again with their own password and
    code, and every grant they held works again."""
    if not actor.has_role(Role.COORDINATOR):
        raise AccountError(_("Only a coordinator can lift a suspension."))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.burned_at is not None:
            raise AccountError(
                _("A burned account cannot come back; an administrator can reset it.")
            )
        if user.suspended_at is None:
            raise AccountError(_("This account is not suspended."))
        User.objects.filter(pk=user.pk).update(is_active=True, suspended_at=None)
        log_event(actor=actor, action="account.unsuspend", object_type="user", object_id=user.pk)


def burn_account(
    *, actor: User | None, user: User, reason: str = "manual", keep_session_key: str | None = None
) -> dict[str, int]:
    """Delete every grant and session of `user` at once and lock the account. What the account
    could open is gone from it immediately; reading the vaults again needs fresh grants.
    `keep_session_key` spares the duress session that is showing the empty workspace. Callers
    decide who may burn whom (own panic burn, duress, or an approved burn request); the audit
    row keeps what the account could have revealed at that moment (the exposure report shows
    it for burned accounts)."""
    from haven.core.registry import call_hooks

    with transaction.atomic():
        # What the account could reveal, counted by the app that knows (cases' exposure report;
        # accounts sits below it and cannot import it).
        exposed: dict[str, int] = next(iter(call_hooks("account_exposure", user)), {})
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
            data={**counts, "reason": reason, "exposure": exposed},
        )
    return counts


def admin_reset(*, actor: User, user: User) -> NewCredentials:
    """A new key pair, temporary password and TOTP device. The old key pair is destroyed, so
    every grant the person held is useless and removed: they need fresh grants (documented).
    Refused while the account is the only holder of some vault: a reset would lose it for good,
    which one person alone may not do (invariant 9)."""
    with staff_derivations(), transaction.atomic():
        orphans = sole_held_vaults(user)
        if orphans:
            raise AccountError(
                _(
                    "This account is the only one that can open %(n)d vault(s); a reset would "
                    "make them unreadable. Give someone else access first."
                )
                % {"n": len(orphans)}
            )
        Grant.objects.filter(user=user).delete()
        StaffSession.objects.filter(user=user).delete()
        password = _temporary_password()
        create_user_key(user, password)
        user.set_unusable_password()
        user.must_change_password = True
        user.is_active = True
        user.burned_at = None
        user.suspended_at = None
        user.save(
            update_fields=[
                "password",
                "must_change_password",
                "is_active",
                "burned_at",
                "suspended_at",
            ]
        )
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
