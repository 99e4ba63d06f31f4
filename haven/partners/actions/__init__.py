"""Writes of the partners app: the directory, this organisation's exchange keys, consent, and
referrals and transfers out and in. Every write audits in its own transaction (ids and codes
only). Packages leave only after the transaction that records them commits
(`transaction.on_commit`): a duress session's transaction is rolled back, so nothing it asks for
ever leaves, and a failed write sends nothing.
"""

from haven.partners.actions.directory import (
    SHAREABLE_FIELDS,
    PartnerError,
    _open_keys,
    current_keys,
    missing_consent,
    record_consent,
    save_partner,
    set_up_exchange_keys,
    share_exchange_keys,
    withdraw_consent,
)
from haven.partners.actions.incoming import (
    CLOCK_SKEW,
    complete_incoming,
    decide_incoming,
    destroy_incoming,
    open_incoming,
    read_answer,
    receive_package,
)
from haven.partners.actions.outgoing import (
    deliver,
    inbox_url,
    revoke_referral,
    send_referral,
    start_referral,
)

__all__ = [
    "CLOCK_SKEW",
    "SHAREABLE_FIELDS",
    "PartnerError",
    "_open_keys",
    "complete_incoming",
    "current_keys",
    "decide_incoming",
    "deliver",
    "destroy_incoming",
    "inbox_url",
    "missing_consent",
    "open_incoming",
    "read_answer",
    "receive_package",
    "record_consent",
    "revoke_referral",
    "save_partner",
    "send_referral",
    "set_up_exchange_keys",
    "share_exchange_keys",
    "start_referral",
    "withdraw_consent",
]
