"""Sign-in, sign-out, own security settings, and account administration."""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Value
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token

from haven.accounts import actions, throttle
from haven.accounts.access import get_account_for_user, require_role
from haven.accounts.backends import check_duress
from haven.accounts.forms import (
    BurnForm,
    ConfirmForm,
    DuressPasswordForm,
    LoginForm,
    NewAccountForm,
    PasswordChangeForm,
    RolesForm,
)
from haven.accounts.middleware import (
    SESSION_DURESS,
    SESSION_KEY,
    SESSION_KEY_ID,
    SESSION_LOGIN_AT,
    SESSION_SEEN_AT,
)
from haven.accounts.models import Role, User
from haven.audit.log import record
from haven.core.registry import call_hooks
from haven.vault.models import Vault
from haven.vault.userkeys import unwrap_user_key, wrap_for_session

if TYPE_CHECKING:
    # For annotations only: accounts sits below core in the layers (docs/architecture.md).
    from haven.core.http import HavenRequest

GENERIC_FAILURE = gettext_lazy("Wrong user name, password or code.")


def _set_key_cookie(response: HttpResponse, value: str) -> None:
    response.set_cookie(
        settings.HAVEN_KEY_COOKIE_NAME,
        value,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Strict",
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("core-home")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        locked = actions.seconds_locked(username)
        if locked:
            record(action="login.locked", data={})
            form.add_error(
                None,
                _("Too many failed attempts. Try again in %(minutes)d minute(s).")
                % {"minutes": max(1, (locked + 59) // 60)},
            )
            return render(request, "accounts/login.html", {"form": form}, status=429)
        token = form.cleaned_data["otp_token"]
        slot = throttle.derivation_slot(username, token)
        if slot is None:
            return _busy(request, username)
        with slot:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
        device = match_token(user, token) if user is not None else None
        if user is None or device is None:
            # Only a wrong password that came with a right code counts towards the lock: only
            # the owner (or whoever holds their authenticator) can make one, so a stranger who
            # knows the user name cannot lock its owner out. A right password with a wrong code
            # is left to django-otp's throttle on the device, which match_token has just
            # counted; counting it here too would tell a stranger that a guessed password was
            # right, since the lock shows. Guesses with neither factor learn nothing (one
            # message for every failure) and cost a derivation slot each.
            if user is None and _code_holder(username, token):
                actions.note_failure(username)
            record(
                actor=None,
                action="login.failure",
                object_type="user" if user else "",
                object_id=user.pk if user else "",
                data={"why": "otp" if user else "password"},
            )
            form.add_error(None, GENERIC_FAILURE)
            return render(request, "accounts/login.html", {"form": form}, status=200)
        actions.clear_failures(username)
        return _start_session(request, user, device)
    return render(request, "accounts/login.html", {"form": form})


def _code_holder(username: str, token: str) -> bool:
    account = User.objects.filter(username__iexact=username.strip(), is_active=True).first()
    return account is not None and throttle.code_matches(account, token)


def _busy(request: HttpRequest, username: str) -> HttpResponse:
    """Every sign-in slot is taken (a flood, or a rush): 503 with the user name kept. Cheap on
    purpose, and not audited: a flood is made of these, and each audit row is a write."""
    form = LoginForm(initial={"username": username})
    # Shown in the form, not as a message: messages live in the session, and a session row per
    # refused stranger is exactly the write a flood must not cause.
    form.full_clean()
    form.cleaned_data = {}
    form.add_error(
        None, _("Signing in is very busy at the moment. Please wait a minute and try again.")
    )
    response = render(request, "accounts/login.html", {"form": form}, status=503)
    response["Retry-After"] = "30"
    # An expected answer under load, not a server error: no ERROR log line per refusal.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _start_session(request: HttpRequest, user: User, device: object) -> HttpResponse:
    duress = bool(getattr(user, "haven_duress", False))
    login(request, user)
    otp_login(request, device)
    now = time.time()
    key_id = secrets.token_hex(8)
    request.session[SESSION_LOGIN_AT] = now
    request.session[SESSION_SEEN_AT] = now
    request.session[SESSION_KEY_ID] = key_id
    if duress:
        # The browser gets a key cookie of the same shape; the server holds nothing it opens.
        cookie_secret, _blob = wrap_for_session(secrets.token_bytes(32), f"{user.pk}|{key_id}")
        request.session[SESSION_DURESS] = True
        request.session.save()
        actions.raise_duress_alarm(user=user, keep_session_key=request.session.session_key)
    else:
        cookie_secret, blob = wrap_for_session(user.haven_private_key, f"{user.pk}|{key_id}")  # type: ignore[arg-type]
        request.session[SESSION_KEY] = blob
        record(actor=user, action="login.success", object_type="user", object_id=user.pk)
    target = request.GET.get("next", "")
    if user.must_change_password and not duress:
        target = "/staff/account/password/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/staff/"
    response = redirect(target or "/staff/")
    _set_key_cookie(response, cookie_secret)
    return response


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_authenticated:
        record(actor=user, action="logout", object_type="user", object_id=user.pk)
    # logout() flushes the session row, and with it the key ciphertext.
    logout(request)
    messages.info(request, _("You are signed out."))
    response = redirect("accounts-login")
    response.delete_cookie(settings.HAVEN_KEY_COOKIE_NAME, samesite="Strict")
    return response


def _derivations_busy(
    request: HttpRequest, template: str, form: Any, **context: Any
) -> HttpResponse:
    """Every staff derivation slot stayed busy for the whole wait (a sign-in flood): the same
    form again with what was typed, 503, nothing changed."""
    form.add_error(None, str(throttle.BUSY_MESSAGE))
    response = render(request, template, {"form": form, **context}, status=503)
    response["Retry-After"] = "30"
    response._has_been_logged = True  # type: ignore[attr-defined]  # expected under load
    return response


@require_http_methods(["GET", "POST"])
def password_change_view(request: HavenRequest) -> HttpResponse:
    user: User = request.user
    form = PasswordChangeForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        # Checking the current password and re-wrapping under the new one are two staff
        # derivations (256 MiB each): both under the installation's cap (accounts/throttle.py).
        try:
            with throttle.staff_derivations():
                return _change_password(request, user, form)
        except throttle.DerivationsBusy:
            return _derivations_busy(request, "accounts/password_change.html", form)
    return render(request, "accounts/password_change.html", {"form": form})


def _change_password(request: HavenRequest, user: User, form: PasswordChangeForm) -> HttpResponse:
    if request.keyring.duress:
        # No private key to re-seal: the duress password stands for the current one, and
        # the answer is a real success's (nothing is written either way).
        if check_duress(user, form.cleaned_data["current_password"]):
            messages.success(request, _("Your password has been changed."))
            return redirect("core-home")
        form.add_error("current_password", _("This is not your current password."))
        return render(request, "accounts/password_change.html", {"form": form})
    private_key = unwrap_user_key(user, form.cleaned_data["current_password"])
    if private_key is None:
        form.add_error("current_password", _("This is not your current password."))
    else:
        actions.change_password(
            user=user, private_key=private_key, new_password=form.cleaned_data["new_password"]
        )
        # The session survives: re-seal its key under the new session hash.
        request.session.cycle_key()
        from django.contrib.auth import update_session_auth_hash

        update_session_auth_hash(request, user)
        messages.success(request, _("Your password has been changed."))
        return redirect("core-home")
    return render(request, "accounts/password_change.html", {"form": form})


@require_http_methods(["GET", "POST"])
def duress_view(request: HavenRequest) -> HttpResponse:
    user: User = request.user
    form = DuressPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with throttle.staff_derivations():
                return _set_duress(request, user, form)
        except throttle.DerivationsBusy:
            return _derivations_busy(
                request, "accounts/duress.html", form, has_duress=bool(user.duress_password)
            )
    return render(
        request, "accounts/duress.html", {"form": form, "has_duress": bool(user.duress_password)}
    )


def _set_duress(request: HavenRequest, user: User, form: DuressPasswordForm) -> HttpResponse:
    current = form.cleaned_data["current_password"]
    # Under duress the password the person signed in with is the duress password: it must be
    # accepted here as a real password is, or the page would give the duress away. What is
    # saved is undone by the duress pretence (haven/accounts/duress.py).
    if request.keyring.duress:
        current_ok = check_duress(user, current)
    else:
        current_ok = unwrap_user_key(user, current) is not None
    if not current_ok:
        form.add_error("current_password", _("This is not your current password."))
    elif form.cleaned_data["duress_password"] == current:
        form.add_error("duress_password", _("The duress password must differ from your password."))
    else:
        actions.set_duress_password(
            user=user, duress_password=form.cleaned_data["duress_password"] or None
        )
        messages.success(request, _("Your duress password has been saved."))
        return redirect("core-home")
    return render(
        request, "accounts/duress.html", {"form": form, "has_duress": bool(user.duress_password)}
    )


# --- administration ----------------------------------------------------------------------------


@require_GET
@require_role(Role.ADMIN, Role.COORDINATOR)
def account_list(request: HavenRequest) -> HttpResponse:
    accounts = (
        User.objects.annotate(grant_count=Count("grants", distinct=True))
        .prefetch_related("role_assignments")
        .order_by("username")
    )
    if request.keyring.duress:
        # An empty workspace: the person alone, holding nothing.
        accounts = (
            User.objects.filter(pk=request.user.pk)
            .annotate(grant_count=Value(0))
            .prefetch_related("role_assignments")
        )
    return render(request, "accounts/account_list.html", {"accounts": accounts})


def _qr_svg(device: object) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=4)  # type: ignore[attr-defined]


@require_http_methods(["GET", "POST"])
@require_role(Role.ADMIN)
def account_create(request: HavenRequest) -> HttpResponse:
    form = NewAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            creds = actions.create_staff_user(
                actor=request.user,
                username=form.cleaned_data["username"],
                roles=form.cleaned_data["roles"],
            )
        except throttle.DerivationsBusy:
            return _derivations_busy(request, "accounts/account_create.html", form)
        return render(
            request, "accounts/credentials.html", {"creds": creds, "qr": _qr_svg(creds.totp_device)}
        )
    return render(request, "accounts/account_create.html", {"form": form})


def describe_vaults(vaults: list[Vault]) -> list[str]:
    """What a vault is, for a person deciding about it: its kind and, for a case, the case
    reference (from the `vault_references` hook: accounts imports no domain app). No sealed
    content, and nothing a duress session could reach."""
    references: dict[object, str] = {}
    for offered in call_hooks("vault_references", vaults):
        references.update(offered)
    described = []
    for vault in vaults:
        label = str(Vault.Kind(vault.kind).label) if vault.kind in Vault.Kind.values else "—"
        reference = references.get(vault.id)
        described.append(f"{label} {reference}" if reference else label)
    return described


def _pending_burn(account: User) -> object | None:
    """The burn request waiting for a second coordinator (the approval engine answers through
    the `account_pending_burn` hook)."""
    return next((row for row in call_hooks("account_pending_burn", account) if row), None)


def account_page(
    request: HavenRequest,
    account: User,
    *,
    roles_form: RolesForm | None = None,
    reset_form: ConfirmForm | None = None,
    burn_form: BurnForm | ConfirmForm | None = None,  # ConfirmForm: burning one's own account
    status: int = 200,
) -> HttpResponse:
    """The account page; again with the form that failed and its errors (400): nothing changed."""
    is_self = account.pk == request.user.pk
    duress = request.keyring.duress
    unreadable = [] if is_self or duress else describe_vaults(actions.sole_held_vaults(account))
    return render(
        request,
        "accounts/account_detail.html",
        {
            "account": account,
            "is_self": is_self,
            "roles_form": roles_form or RolesForm(initial={"roles": sorted(account.roles)}),
            "reset_form": reset_form or ConfirmForm(),
            "confirm_form": burn_form or (ConfirmForm() if is_self else BurnForm()),
            "unreadable": unreadable,
            "pending_burn": None if is_self or duress else _pending_burn(account),
        },
        status=status,
    )


@require_GET
@require_role(Role.ADMIN, Role.COORDINATOR)
def account_detail(request: HavenRequest, user_id: int) -> HttpResponse:
    return account_page(request, get_account_for_user(request, user_id))


@require_POST
@require_role(Role.ADMIN)
def account_roles(request: HavenRequest, user_id: int) -> HttpResponse:
    account = get_account_for_user(request, user_id)
    form = RolesForm(request.POST)
    if form.is_valid():
        try:
            actions.set_roles(actor=request.user, user=account, roles=form.cleaned_data["roles"])
        except actions.AccountError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Roles saved."))
            return redirect("accounts-detail", user_id=account.pk)
    return account_page(request, account, roles_form=form, status=400)


@require_POST
@require_role(Role.ADMIN, Role.COORDINATOR)
def account_suspend(request: HavenRequest, user_id: int) -> HttpResponse:
    account = get_account_for_user(request, user_id)
    try:
        ended = actions.suspend_account(actor=request.user, user=account)
    except actions.AccountError as exc:
        messages.error(request, str(exc))
        return account_page(request, account, status=400)
    messages.success(
        request,
        _("Account suspended: %(sessions)d session(s) ended; signing in is refused.")
        % {"sessions": ended},
    )
    return redirect("accounts-detail", user_id=account.pk)


@require_POST
@require_role(Role.COORDINATOR)
def account_unsuspend(request: HavenRequest, user_id: int) -> HttpResponse:
    account = get_account_for_user(request, user_id)
    try:
        actions.unsuspend_account(actor=request.user, user=account)
    except actions.AccountError as exc:
        messages.error(request, str(exc))
        return account_page(request, account, status=400)
    messages.success(request, _("Suspension lifted: the account can sign in again."))
    return redirect("accounts-detail", user_id=account.pk)


@require_POST
@require_role(Role.ADMIN)
def account_reset(request: HavenRequest, user_id: int) -> HttpResponse:
    account = get_account_for_user(request, user_id)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tick the box to confirm."))
        return account_page(request, account, reset_form=form, status=400)
    try:
        creds = actions.admin_reset(actor=request.user, user=account)
    except throttle.DerivationsBusy:
        form.add_error(None, str(throttle.BUSY_MESSAGE))
        response = account_page(request, account, reset_form=form, status=503)
        response["Retry-After"] = "30"
        response._has_been_logged = True  # type: ignore[attr-defined]  # expected under load
        return response
    except actions.AccountError as exc:
        form.add_error(None, str(exc))
        return account_page(request, account, reset_form=form, status=400)
    return render(
        request,
        "accounts/credentials.html",
        {"creds": creds, "qr": _qr_svg(creds.totp_device), "reset": True},
    )
