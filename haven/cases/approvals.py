"""The two-person rule, for every app: giving a vault to someone new, exporting identified
data, or burning someone else's staff account, needs a second coordinator's yes.

Public interface (safety, evidence and any other app call these, never the model directly):

    request_approval(*, keyring, kind, vault, target_user, reason) -> ApprovalRequest
    request_account_burn(*, actor, account, accept_unreadable) -> ApprovalRequest
    approve(*, keyring, approval) -> ApprovalRequest        # grants at once for a disclosure
    reject(*, keyring, approval) -> ApprovalRequest
    decide_approval(*, keyring, approval, approve: bool) -> ApprovalRequest
    use_export_approval(*, actor, vault) -> ApprovalRequest  # consumes one approved export
    request_case_encoding(*, keyring, reason) -> ApprovalRequest
    use_case_encoding_approval(*, keyring) -> ApprovalRequest  # consumes one approved encoding

The requester must be able to open the vault (the reason is sealed in it). The approver must be a
coordinator other than the requester and other than the person who would get access, and must be
able to open the vault too: the grant is sealed with the approver's own keyring, so nobody can
approve handing over something they do not hold. Every request and decision is audited (ids and
codes only) in the same transaction as the change it records. Errors are `CaseError` with a
translated message.

Encoding the case list for a partner comparison (haven.linkage) is one act over many case vaults,
so its approval binds to the search-index vault instead: the compartment whose key already spans
every case person's name, held by the staff trusted to find anyone in the case list by name. The
requester and the approver must both hold it (docs/linkage.md says why).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Role
from haven.alerts.actions import notify_role
from haven.audit.log import log_event
from haven.cases.errors import CaseError
from haven.cases.models import ApprovalRequest
from haven.vault.actions import GrantError, grant_vault
from haven.vault.blind_index import index_vault
from haven.vault.keyring import Keyring, VaultLocked
from haven.vault.models import Grant, UserKey, Vault

if TYPE_CHECKING:
    from haven.accounts.models import User

# Who may ask, per kind. A documentation officer asks to export what they hold; only a
# coordinator may ask to give a vault to someone new.
REQUESTERS: dict[str, tuple[str, ...]] = {
    ApprovalRequest.Kind.DISCLOSE_VAULT: (Role.COORDINATOR,),
    ApprovalRequest.Kind.EXPORT_IDENTIFIED: (Role.COORDINATOR, Role.DOCUMENTATION),
    ApprovalRequest.Kind.BURN_ACCOUNT: (Role.COORDINATOR, Role.ADMIN),
    ApprovalRequest.Kind.ENCODE_CASES: (Role.COORDINATOR,),
}


def _check_target(vault: Vault, target_user: User | None) -> User:
    if target_user is None:
        raise CaseError(_("Choose the person who should get access."))
    if not target_user.is_active:
        raise CaseError(_("This account is disabled."))
    if not UserKey.objects.filter(user=target_user).exists():
        raise CaseError(
            _(
                "This account has no key pair yet; it must sign in once before it can be given access."
            )
        )
    if Grant.objects.filter(vault=vault, user=target_user).exists():
        raise CaseError(_("This person already has access."))
    return target_user


def request_approval(
    *, keyring: Keyring, kind: str, vault: Vault, target_user: User | None, reason: str
) -> ApprovalRequest:
    """Ask a second coordinator to approve a disclosure or an export of identified data."""
    actor = keyring.user
    if actor is None:
        raise CaseError(_("Sign in first."))
    if kind not in REQUESTERS:
        raise CaseError(_("Unknown kind of request."))
    if not actor.has_role(*REQUESTERS[kind]):
        raise CaseError(_("Your role cannot ask for this."))
    if not reason.strip():
        raise CaseError(_("Give a reason."))
    try:
        opened = keyring.open(vault)
    except VaultLocked as exc:
        raise CaseError(_("You cannot open this vault, so you cannot ask to share it.")) from exc
    if kind == ApprovalRequest.Kind.DISCLOSE_VAULT:
        _check_target(vault, target_user)
    if kind == ApprovalRequest.Kind.ENCODE_CASES and vault.kind != Vault.Kind.INDEX:
        raise CaseError(_("Encoding the case list is asked for on the search index."))
    with transaction.atomic():
        same = ApprovalRequest.undecided().filter(kind=kind, vault=vault, target_user=target_user)
        if kind == ApprovalRequest.Kind.ENCODE_CASES:
            # Each coordinator encodes the cases they hold: one waiting request each.
            same = same.filter(requested_by=actor)
        if same.exists():
            raise CaseError(_("The same request is already waiting for a decision."))
        row = ApprovalRequest(kind=kind, vault=vault, target_user=target_user, requested_by=actor)
        opened.seal(row, reason=reason)
        row.save()
        log_event(
            actor=actor,
            action="approval.request",
            object_type="approval",
            object_id=row.id,
            data={
                "kind": kind,
                "vault": str(vault.id),
                "vault_kind": vault.kind,
                "target": getattr(target_user, "pk", None),
            },
        )
    notify_role(
        role=Role.COORDINATOR,
        kind="approval_needed",
        reference=f"AP-{str(row.id)[:8]}",
        link="/staff/cases/approvals/",
        exclude=actor,
    )
    return row


def request_account_burn(
    *, actor: User, account: User, accept_unreadable: bool = False
) -> ApprovalRequest:
    """Ask a second coordinator to burn `account`. The account is suspended at once (sessions
    ended, sign-in refused) so nothing waits on the second person; the irreversible part (every
    grant and the key pair deleted) happens only when they approve. Refused for the last active
    administrator or coordinator, and for an account that alone holds some vault unless the
    requester accepts (`accept_unreadable`) that those vaults become unreadable."""
    from haven.accounts.actions import AccountError, check_burn_allowed, suspend_account

    if not actor.has_role(*REQUESTERS[ApprovalRequest.Kind.BURN_ACCOUNT]):
        raise CaseError(_("Your role cannot ask for this."))
    if actor.pk == account.pk:
        raise CaseError(_("Your own account is burned at once, without a request."))
    try:
        check_burn_allowed(user=account, accept_unreadable=accept_unreadable)
    except AccountError as exc:
        raise CaseError(str(exc)) from exc
    with transaction.atomic():
        if (
            ApprovalRequest.undecided()
            .filter(kind=ApprovalRequest.Kind.BURN_ACCOUNT, target_user=account)
            .exists()
        ):
            raise CaseError(_("The same request is already waiting for a decision."))
        if account.suspended_at is None:
            try:
                suspend_account(actor=actor, user=account)
            except AccountError as exc:
                raise CaseError(str(exc)) from exc
        row = ApprovalRequest.objects.create(
            kind=ApprovalRequest.Kind.BURN_ACCOUNT,
            vault=None,
            target_user=account,
            requested_by=actor,
        )
        log_event(
            actor=actor,
            action="approval.request",
            object_type="approval",
            object_id=row.id,
            data={
                "kind": row.kind,
                "target": account.pk,
                "accept_unreadable": accept_unreadable,
            },
        )
    notify_role(
        role=Role.COORDINATOR,
        kind="approval_needed",
        reference=f"AP-{str(row.id)[:8]}",
        link="/staff/accounts/burns/",
        exclude=actor,
    )
    return row


def _execute_burn(*, actor: User, approval: ApprovalRequest) -> None:
    """The second coordinator's yes: burn now. The last-role rule is checked again (someone else
    may have been burned meanwhile); the vaults that become unreadable were listed to the
    approver on the page they approved from."""
    from haven.accounts.actions import AccountError, burn_account, check_burn_allowed

    account = approval.target_user
    assert account is not None
    try:
        check_burn_allowed(user=account, accept_unreadable=True)
    except AccountError as exc:
        raise CaseError(str(exc)) from exc
    burn_account(actor=actor, user=account, reason="approved")


def decide_approval(
    *, keyring: Keyring, approval: ApprovalRequest, approve: bool
) -> ApprovalRequest:
    """A second coordinator decides. The requester can never decide their own request, however
    often they try, and the person who would get access cannot decide it either. On approval of
    a disclosure, the approver seals the vault key to the target in the same transaction."""
    actor = keyring.user
    if actor is None or not actor.has_role(Role.COORDINATOR):
        raise CaseError(_("Only a coordinator can decide."))
    with transaction.atomic():
        approval = ApprovalRequest.objects.select_for_update().get(pk=approval.pk)
        if approval.status != ApprovalRequest.Status.PENDING:
            raise CaseError(_("This request has already been decided."))
        if approval.lapsed():
            raise CaseError(
                _("This request waited more than a week and has lapsed: ask again if still needed.")
            )
        if approval.requested_by_id == actor.pk:
            raise CaseError(_("A second coordinator must decide: you asked for this yourself."))
        if approval.target_user_id == actor.pk:
            if approval.kind == ApprovalRequest.Kind.BURN_ACCOUNT:
                raise CaseError(_("You cannot decide on burning your own account."))
            raise CaseError(_("You cannot decide on giving access to yourself."))
        if approval.kind == ApprovalRequest.Kind.ENCODE_CASES and not keyring.can_open(
            approval.vault
        ):
            # The same rule as for a disclosure: nobody approves handing out what they do not
            # hold. (A duress keyring holds nothing, so it can never approve one either.)
            raise CaseError(
                _("You do not hold the search index, so you cannot approve encoding the case list.")
            )
        now = timezone.now()
        if approve and approval.kind == ApprovalRequest.Kind.BURN_ACCOUNT:
            _execute_burn(actor=actor, approval=approval)
            approval.executed_at = now
        elif approve and approval.kind == ApprovalRequest.Kind.DISCLOSE_VAULT:
            try:
                grant_vault(keyring=keyring, vault=approval.vault, user=approval.target_user)  # type: ignore[arg-type]
            except VaultLocked as exc:
                raise CaseError(
                    _("You cannot open this vault, so you cannot approve giving it away.")
                ) from exc
            except GrantError as exc:
                raise CaseError(str(exc)) from exc
            approval.executed_at = now
        approval.status = (
            ApprovalRequest.Status.APPROVED if approve else ApprovalRequest.Status.REJECTED
        )
        approval.decided_by, approval.decided_at = actor, now
        approval.save(update_fields=["status", "decided_by", "decided_at", "executed_at"])
        log_event(
            actor=actor,
            action="approval.decide",
            object_type="approval",
            object_id=approval.id,
            data={"approved": approve, "kind": approval.kind},
        )
    return approval


def approve(*, keyring: Keyring, approval: ApprovalRequest) -> ApprovalRequest:
    return decide_approval(keyring=keyring, approval=approval, approve=True)


def reject(*, keyring: Keyring, approval: ApprovalRequest) -> ApprovalRequest:
    return decide_approval(keyring=keyring, approval=approval, approve=False)


def _consume(
    *, actor: User, kind: str, vault: Vault, approval: ApprovalRequest | None, refusal: str
) -> ApprovalRequest:
    """Mark one approved, unused request of `kind` on `vault` that `actor` asked for as used,
    with its audit row; `refusal` when there is none. A row locked, so two uses never share
    one approval."""
    with transaction.atomic():
        rows = ApprovalRequest.objects.select_for_update().filter(
            kind=kind,
            vault=vault,
            requested_by=actor,
            status=ApprovalRequest.Status.APPROVED,
            executed_at__isnull=True,
            decided_at__gt=timezone.now() - ApprovalRequest.USE_WITHIN,
        )
        if approval is not None:
            rows = rows.filter(pk=approval.pk)
        row = rows.order_by("decided_at").first()
        if row is None:
            raise CaseError(refusal)
        row.executed_at = timezone.now()
        row.save(update_fields=["executed_at"])
        log_event(
            actor=actor,
            action="approval.execute",
            object_type="approval",
            object_id=row.id,
            data={"kind": row.kind, "vault": str(vault.id)},
        )
    return row


def use_export_approval(
    *, actor: User, vault: Vault, approval: ApprovalRequest | None = None
) -> ApprovalRequest:
    """Consume one approved, unused export of identified data from `vault` that `actor` asked
    for. An export module calls this inside its own transaction, right before it writes the
    export; one approval allows one export. `approval` names the one to use (a partner referral
    asks for its own), otherwise the oldest approved one is taken."""
    return _consume(
        actor=actor,
        kind=ApprovalRequest.Kind.EXPORT_IDENTIFIED,
        vault=vault,
        approval=approval,
        refusal=_("Exporting identified data needs a request approved by a second coordinator."),
    )


def request_case_encoding(*, keyring: Keyring, reason: str) -> ApprovalRequest:
    """Ask a second coordinator to approve one encoding of the case list (every person in the
    cases the requester holds) for a partner comparison. The reason is sealed in the
    search-index vault, which the requester must hold."""
    vault = index_vault()
    if vault is None:
        raise CaseError(_("There is no search index yet; a coordinator sets it up first."))
    if not keyring.can_open(vault):
        raise CaseError(
            _("You do not hold the search index, so you cannot ask to encode the case list.")
        )
    return request_approval(
        keyring=keyring,
        kind=ApprovalRequest.Kind.ENCODE_CASES,
        vault=vault,
        target_user=None,
        reason=reason,
    )


def use_case_encoding_approval(*, keyring: Keyring) -> ApprovalRequest:
    """Consume one approved, unused encoding of the case list that this keyring's user asked
    for; the linkage export calls it in its write transaction. A duress keyring finds none
    (it is told the same as someone who has no approval), and neither does someone who no
    longer holds the search index."""
    refusal = _(
        "Encoding the case list needs a request approved by a second coordinator: ask for it "
        "under “Shared with partners” (“Ask to encode the case list”), then run this again "
        "once it is approved."
    )
    actor = keyring.user
    vault = index_vault()
    if actor is None or vault is None or keyring.duress:
        raise CaseError(refusal)
    if not keyring.can_open(vault):
        raise CaseError(_("You do not hold the search index, so you cannot encode the case list."))
    return _consume(
        actor=actor,
        kind=ApprovalRequest.Kind.ENCODE_CASES,
        vault=vault,
        approval=None,
        refusal=refusal,
    )
