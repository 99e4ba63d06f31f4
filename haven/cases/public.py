"""The door of the cases app: everything another domain app may use from it.

Other rooms (intake, missing, safety, evidence, reports, ops) import cases only from here
(contract "domain-public-modules" in pyproject.toml, docs/architecture.md); what is not named
below is the app's own business and may change without telling them. Keep this a thin module of
imports from models, access, actions and constants, never from views, so that importing the door
cannot pull a view module that imports another room back."""

from haven.cases.access import get_case_for_user
from haven.cases.actions import (
    PERSON_FIELDS,
    PastCase,
    add_note,
    create_case,
    grant_search_index,
    record_past_cases,
    save_person,
)
from haven.cases.approvals import (
    approve,
    request_approval,
    request_case_encoding,
    use_case_encoding_approval,
    use_export_approval,
)
from haven.cases.errors import CaseError
from haven.cases.forms import ApprovalForm
from haven.cases.models import (
    ApprovalRequest,
    Case,
    CaseAssignment,
    CaseTransition,
    NameIndexEntry,
    Person,
    RelocationDocument,
    State,
    Task,
    Vetting,
)
from haven.cases.regions import choices as region_choices
from haven.cases.regions import label as region_label
from haven.cases.regions import match as match_region

__all__ = [
    "PERSON_FIELDS",
    "ApprovalForm",
    "ApprovalRequest",
    "Case",
    "CaseAssignment",
    "CaseError",
    "CaseTransition",
    "NameIndexEntry",
    "PastCase",
    "Person",
    "RelocationDocument",
    "State",
    "Task",
    "Vetting",
    "add_note",
    "approve",
    "create_case",
    "get_case_for_user",
    "grant_search_index",
    "match_region",
    "record_past_cases",
    "region_choices",
    "region_label",
    "request_approval",
    "request_case_encoding",
    "save_person",
    "use_case_encoding_approval",
    "use_export_approval",
]
