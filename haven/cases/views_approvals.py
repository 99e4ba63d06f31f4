"""Burning a staff account under the two-person rule: the request, the list of requests, the
second coordinator's decision and the dashboard panel that points them there.

The pages belong to account administration (their URL names and paths stay `accounts-*`), but
they are written on the approval engine (haven.cases.approvals), which lives in cases. Kept
here, not in haven.accounts.views, so that accounts, a room below the domain apps, imports no
domain app (contracts "layers" and "no-cycles", docs/architecture.md)."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from haven.accounts import actions
from haven.accounts.access import get_account_for_user, require_role
from haven.accounts.forms import BurnForm, ConfirmForm, DecisionForm
from haven.accounts.models import Role, User
from haven.accounts.views import account_page, describe_vaults
from haven.alerts.actions import notify_role
from haven.cases import approvals
from haven.cases.errors import CaseError
from haven.cases.models import ApprovalRequest, Case
from haven.core.http import HavenRequest
from haven.core.registry import Panel
from haven.vault.models import Vault


@require_POST
@require_role(Role.ADMIN, Role.COORDINATOR)
def account_burn(request: HavenRequest, user_id: int) -> HttpResponse:
    """One's own account: burned at once (the panic button of a person about to be searched).
    Someone else's: suspended at once, burned when a second coordinator approves."""
    account = get_account_for_user(request, user_id)
    if account.pk == request.user.pk:
        form: ConfirmForm | BurnForm = ConfirmForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Tick the box to confirm."))
            return account_page(request, account, burn_form=form, status=400)
        actions.burn_account(actor=account, user=account, reason="panic")
        notify_role(
            role=Role.COORDINATOR,
            kind="account_burned",
            reference=f"staff-{account.pk}",
            link=f"/staff/accounts/{account.pk}/",
            exclude=account,
        )
        # Every session of the account is gone, this one included.
        logout(request)
        messages.info(request, _("Your account is burned. Nothing can be opened with it now."))
        response = redirect("accounts-login")
        response.delete_cookie(settings.HAVEN_KEY_COOKIE_NAME, samesite="Strict")
        return response
    form = BurnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tick the box to confirm."))
        return account_page(request, account, burn_form=form, status=400)
    try:
        approvals.request_account_burn(
            actor=request.user,
            account=account,
            accept_unreadable=form.cleaned_data["accept_unreadable"],
        )
    except CaseError as exc:
        form.add_error(None, str(exc))
        return account_page(request, account, burn_form=form, status=400)
    messages.success(
        request,
        _("The account is suspended now. It will be burned when a second coordinator approves."),
    )
    return redirect("accounts-detail", user_id=account.pk)


@require_GET
@require_role(Role.COORDINATOR)
def burn_requests(request: HavenRequest) -> HttpResponse:
    rows = list(
        ApprovalRequest.objects.filter(kind=ApprovalRequest.Kind.BURN_ACCOUNT)
        .select_related("requested_by", "target_user", "decided_by")
        .order_by("-requested_at")[:100]
    )
    if request.keyring.duress:
        rows = []
    items = [
        {
            "row": row,
            "unreadable": describe_vaults(actions.sole_held_vaults(row.target_user))  # type: ignore[arg-type]
            if row.status == ApprovalRequest.Status.PENDING
            else [],
        }
        for row in rows
    ]
    return render(request, "accounts/burn_requests.html", {"items": items})


@require_POST
@require_role(Role.COORDINATOR)
def burn_decide(request: HavenRequest, approval_id: UUID) -> HttpResponse:
    approval = ApprovalRequest.objects.filter(
        pk=approval_id, kind=ApprovalRequest.Kind.BURN_ACCOUNT
    ).first()
    if approval is None or request.keyring.duress:
        raise Http404
    form = DecisionForm(request.POST)
    if not form.is_valid():
        # An empty or mangled form must never count as a decision either way.
        messages.error(request, _("Choose approve or reject."))
        return redirect("accounts-burn-requests")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        approvals.decide_approval(keyring=request.keyring, approval=approval, approve=approve)
    except CaseError as exc:
        messages.error(request, str(exc))
        return redirect("accounts-burn-requests")
    if approve:
        notify_role(
            role=Role.COORDINATOR,
            kind="account_burned",
            reference=f"staff-{approval.target_user_id}",
            link=f"/staff/accounts/{approval.target_user_id}/",
        )
        messages.success(request, _("Account burned: its grants and key pair are deleted."))
    else:
        messages.success(
            request, _("Burn rejected. The account stays suspended until a coordinator lifts it.")
        )
    return redirect("accounts-burn-requests")


def burn_requests_panel(request: HavenRequest) -> Panel | None:
    """Coordinators see burn requests someone else made, so the second one finds them."""
    user: User = request.user
    if not user.has_role(Role.COORDINATOR) or request.keyring.duress:
        return None
    pending = (
        ApprovalRequest.undecided()
        .filter(kind=ApprovalRequest.Kind.BURN_ACCOUNT)
        .exclude(requested_by=user)
        .exclude(target_user=user)
        .count()
    )
    if not pending:
        return None
    return Panel(_("Burn requests"), "accounts/burn_panel.html", {"pending": pending}, order=2)


# Hooks (haven.core.registry) the account page calls: what it shows about burning comes from here.


def pending_account_burn(account: User) -> ApprovalRequest | None:
    """The burn of `account` waiting for a second coordinator, if there is one."""
    return (
        ApprovalRequest.undecided()
        .filter(kind=ApprovalRequest.Kind.BURN_ACCOUNT, target_user=account)
        .first()
    )


def case_vault_references(vaults: list[Vault]) -> dict[object, str]:
    """The case reference of each case vault among `vaults`, by vault id."""
    return dict(Case.objects.filter(vault__in=vaults).values_list("vault_id", "reference"))
