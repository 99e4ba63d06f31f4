"""Case writes, one module per room: a case's life (lifecycle), the people in it and their
name index (people), vetting and relocation, and past cases recorded after the fact. Each is
atomic and audited; sealed values go through the case vault.

Callers keep writing `from haven.cases import actions` and `actions.create_case(...)`: this
package re-exports every action (and the two-person rule's API from haven.cases.approvals, and
CaseError) so that the split changed no import."""

from haven.cases.actions.lifecycle import (
    add_note,
    add_task,
    assign,
    complete_task,
    create_case,
    seal_unsealed_regions,
    transition,
    unassign,
)
from haven.cases.actions.past import PastCase, record_past_cases, stage_days
from haven.cases.actions.people import (
    NAME_FIELDS,
    PERSON_FIELDS,
    grant_search_index,
    index_pending_people,
    save_person,
    set_up_search_index,
)
from haven.cases.actions.relocation import (
    add_relocation_document,
    decide_vetting,
    set_relocation,
    update_relocation_document,
    update_vetting,
)
from haven.cases.approvals import (
    approve,
    decide_approval,
    reject,
    request_approval,
    use_export_approval,
)
from haven.cases.errors import CaseError

__all__ = [
    "CaseError",
    "NAME_FIELDS",
    "PERSON_FIELDS",
    "PastCase",
    "add_note",
    "add_relocation_document",
    "add_task",
    "approve",
    "assign",
    "complete_task",
    "create_case",
    "decide_approval",
    "decide_vetting",
    "grant_search_index",
    "set_up_search_index",
    "index_pending_people",
    "record_past_cases",
    "reject",
    "request_approval",
    "save_person",
    "seal_unsealed_regions",
    "set_relocation",
    "stage_days",
    "transition",
    "unassign",
    "update_relocation_document",
    "update_vetting",
    "use_export_approval",
]
