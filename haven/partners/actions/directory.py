"""The directory, this organisation's exchange keys, and consent."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Role, User
from haven.audit.log import log_event
from haven.cases.public import (
    ApprovalRequest,
    Case,
    CaseError,
    Person,
    request_approval,
)
from haven.lib.errors import ActionError
from haven.partners import package as pkg
from haven.partners.models import (
    Consent,
    ExchangeKeys,
    Partner,
    Purpose,
)
from haven.vault.actions import create_vault
from haven.vault.keyring import VaultLocked
from haven.vault.models import UserKey, Vault

if TYPE_CHECKING:
    from haven.vault.keyring import Keyring

logger = logging.getLogger("haven.partners")

# The fields of a person that may be chosen for a referral, and whether each identifies them.
# A referral carrying any identifying field is identified data leaving: a second coordinator
# approves it first (invariant 9). A transfer carries every field.
SHAREABLE_FIELDS: dict[str, bool] = {
    "given_name": True,
    "family_name": True,
    "patronymic": True,
    "aliases": True,
    "birth": True,
    "contacts": True,
    "trusted_contacts": True,
    "notes": True,
    "health_safety": True,
    "family_risk": True,
    "documents": True,
    "gender": False,
    "languages": False,
}


class PartnerError(ActionError):
    """A refused partner action; the message is translated and shown as it is."""


def _actor(keyring: Keyring) -> User:
    user = keyring.user
    if user is None or not user.has_role(Role.COORDINATOR):
        raise PartnerError(_("Only a coordinator can do this."))
    return user


# ---- the directory ------------------------------------------------------------------------------


def save_partner(*, actor: User, values: dict[str, Any], partner: Partner | None = None) -> Partner:
    if not actor.has_role(Role.COORDINATOR):
        raise PartnerError(_("Only a coordinator can do this."))
    age = values["age_recipient"].strip()
    verify = values["verify_key"].strip().lower()
    if not pkg.valid_age_recipient(age):
        raise PartnerError(_("This is not an age public key (it starts with age1)."))
    if not pkg.valid_verify_key(verify):
        raise PartnerError(_("This is not an Ed25519 public key (64 hexadecimal digits)."))
    created = partner is None
    partner = partner or Partner(created_by=actor)
    for name in (
        "name",
        "alternate_name",
        "description",
        "services",
        "countries",
        "email",
        "website",
        "haven_url",
        "active",
    ):
        if name in values:
            setattr(partner, name, values[name])
    partner.age_recipient, partner.verify_key = age, verify
    partner.signing_fingerprint = pkg.fingerprint(bytes.fromhex(verify))
    with transaction.atomic():
        clash = Partner.objects.filter(signing_fingerprint=partner.signing_fingerprint)
        if clash.exclude(pk=partner.pk).exists():
            raise PartnerError(_("Another organisation in the directory has this signing key."))
        partner.save()
        log_event(
            actor=actor,
            action="partners.partner_create" if created else "partners.partner_update",
            object_type="partner",
            object_id=partner.id,
            data={"active": partner.active, "haven": bool(partner.haven_url)},
        )
    return partner


# ---- this organisation's keys ------------------------------------------------------------------


def current_keys() -> ExchangeKeys | None:
    return ExchangeKeys.objects.filter(retired_at__isnull=True).order_by("-created_at").first()


def set_up_exchange_keys(*, keyring: Keyring) -> ExchangeKeys:
    """Make this organisation's age identity and signing key, sealed in a new partners vault
    given to every active coordinator with a key pair (they are the ones who accept referrals
    and sign answers). Refused when keys exist: replacing them means telling every partner."""
    actor = _actor(keyring)
    if current_keys() is not None:
        raise PartnerError(_("This organisation already has exchange keys."))
    coordinators = User.objects.filter(
        role_assignments__role=Role.COORDINATOR, is_active=True, suspended_at__isnull=True
    ).distinct()
    members = [u for u in coordinators if UserKey.objects.filter(user=u).exists()]
    identity, recipient = pkg.new_age_identity()
    seed = pkg.new_signing_seed()
    with transaction.atomic():
        vault = create_vault(
            actor=actor, kind=Vault.Kind.PARTNERS, members=members, keyring=keyring
        )
        keys = ExchangeKeys(
            vault=vault, age_recipient=recipient, verify_key=pkg.verify_key_hex(seed)
        )
        keyring.open(vault).seal(keys, age_identity=identity, signing_seed=seed)
        keys.save()
        log_event(
            actor=actor,
            action="partners.keys_create",
            object_type="exchange_keys",
            object_id=keys.id,
            data={"members": len(members)},
        )
    return keys


def share_exchange_keys(*, keyring: Keyring, user: User, reason: str) -> ApprovalRequest:
    """Ask a second coordinator to give the exchange keys to another coordinator (one who joined
    after they were made): the two-person rule, as for any vault."""
    _actor(keyring)
    keys = current_keys()
    if keys is None:
        raise PartnerError(_("This organisation has no exchange keys yet."))
    if not user.has_role(Role.COORDINATOR):
        raise PartnerError(_("Only a coordinator can hold the exchange keys."))
    try:
        return request_approval(
            keyring=keyring,
            kind=ApprovalRequest.Kind.DISCLOSE_VAULT,
            vault=keys.vault,
            target_user=user,
            reason=reason,
        )
    except CaseError as exc:
        raise PartnerError(str(exc)) from exc


def _open_keys(keyring: Keyring) -> tuple[ExchangeKeys, str, bytes]:
    keys = current_keys()
    if keys is None:
        raise PartnerError(_("This organisation has no exchange keys yet."))
    try:
        opened = keyring.open(keys.vault)
    except VaultLocked as exc:
        raise PartnerError(_("You do not hold the partner exchange keys.")) from exc
    return keys, opened.unseal(keys, "age_identity"), bytes(opened.unseal(keys, "signing_seed"))


# ---- consent ------------------------------------------------------------------------------------


def record_consent(
    *,
    keyring: Keyring,
    case: Case,
    person: Person,
    partner: Partner,
    purpose: str,
    given_on: dt.date,
    how: str,
) -> Consent:
    actor = _actor(keyring)
    if person.case_id != case.id:
        raise PartnerError(_("This person is not in this case."))
    if purpose not in Purpose.values:
        raise PartnerError(_("Choose what the person consented to."))
    if given_on > timezone.localdate():
        raise PartnerError(_("Consent cannot be given in the future."))
    opened = keyring.open(case.vault)
    consent = Consent(
        case=case,
        vault=case.vault,
        person=person,
        partner=partner,
        purpose=purpose,
        given_on=given_on,
        recorded_by=actor,
    )
    opened.seal(consent, how=how or None)
    with transaction.atomic():
        consent.save()
        log_event(
            actor=actor,
            action="partners.consent_record",
            object_type="case",
            object_id=case.id,
            data={"consent": str(consent.id), "partner": str(partner.id), "purpose": purpose},
        )
    return consent


def withdraw_consent(*, keyring: Keyring, consent: Consent) -> Consent:
    actor = _actor(keyring)
    keyring.open(consent.vault)
    with transaction.atomic():
        if consent.withdrawn_at is None:
            consent.withdrawn_at = timezone.now()
            consent.save(update_fields=["withdrawn_at"])
            log_event(
                actor=actor,
                action="partners.consent_withdraw",
                object_type="case",
                object_id=consent.case_id,
                data={"consent": str(consent.id)},
            )
    return consent


def missing_consent(
    case: Case, partner: Partner, purpose: str, people: list[Person]
) -> list[Person]:
    """The people in `people` without a standing consent to this partner for this purpose."""
    consenting = set(
        Consent.objects.filter(
            case=case, partner=partner, purpose=purpose, withdrawn_at__isnull=True
        ).values_list("person_id", flat=True)
    )
    return [p for p in people if p.id not in consenting]
