"""Safety writes, one module per room: watches and check-ins, incidents and their escalation,
the on-call roster, safe houses, a staff member's alert channels, and the read-only queries other pages ask. Each write is atomic
and audited in the same transaction.

Callers keep writing `from haven.safety import actions` and `actions.save_watch(...)`: this
package re-exports every action so that the split changed no import."""

from haven.safety.actions.alert_channels import add_channel, remove_channel
from haven.safety.actions.escalation import (
    URGENT_KINDS,
    acknowledge,
    advance,
    escalation_gaps,
    on_call,
    open_incident,
    recipients_for_step,
    resolve,
)
from haven.safety.actions.houses import (
    create_house,
    current_placements,
    current_residents,
    end_placement,
    mark_compromised,
    place,
    set_house_status,
)
from haven.safety.actions.queries import NO_NEWS_AFTER, incident_summary, silent_since
from haven.safety.actions.roster import add_shift, remove_shift, roster_gaps
from haven.safety.actions.watches import (
    MAX_GRACE_MINUTES,
    MAX_INTERVAL_MINUTES,
    PIN_ATTEMPTS,
    PIN_LOCK,
    panic,
    portal_checkin,
    record_checkin,
    save_watch,
    set_paused,
)
from haven.safety.errors import SafetyError

__all__ = [
    "acknowledge",
    "add_channel",
    "add_shift",
    "advance",
    "create_house",
    "current_placements",
    "current_residents",
    "end_placement",
    "escalation_gaps",
    "incident_summary",
    "mark_compromised",
    "MAX_GRACE_MINUTES",
    "MAX_INTERVAL_MINUTES",
    "NO_NEWS_AFTER",
    "on_call",
    "open_incident",
    "panic",
    "PIN_ATTEMPTS",
    "PIN_LOCK",
    "place",
    "portal_checkin",
    "recipients_for_step",
    "record_checkin",
    "remove_channel",
    "remove_shift",
    "resolve",
    "roster_gaps",
    "SafetyError",
    "save_watch",
    "set_house_status",
    "set_paused",
    "silent_since",
    "URGENT_KINDS",
]
