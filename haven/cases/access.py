"""Loading case records for the person asking: one function per model, the same 404 for "does
not exist" and "not yours". Views (this app's and the others') load cases through these."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from haven.cases.models import ApprovalRequest, Case, Person, Task
from haven.core.http import HavenRequest


def get_case_for_user(request: HavenRequest, case_id: UUID) -> Case:
    """The one access function for cases: a case exists for a user only if they hold its vault's
    grant. "Missing" and "not yours" answer alike (404)."""
    # One row: its own grant is looked up (walk), not every grant of the account collected.
    found = (
        request.keyring.visible(Case.objects.select_related("vault"), walk=True)
        .filter(pk=case_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def get_task_for_user(request: HavenRequest, case: Case, task_id: UUID) -> Task:
    """A task of a case already loaded through :func:`get_case_for_user`."""
    task = Task.objects.filter(pk=task_id, case=case).first()
    if task is None:
        raise Http404
    return task


def get_person_for_user(request: HavenRequest, case: Case, person_id: UUID) -> Person:
    """A person of a case already loaded through :func:`get_case_for_user`."""
    person = Person.objects.filter(pk=person_id, case=case).select_related("vault").first()
    if person is None:
        raise Http404
    return person


def get_approval_for_user(request: HavenRequest, approval_id: UUID) -> ApprovalRequest:
    """An approval request in a vault this person holds (a coordinator deciding it)."""
    found = request.keyring.visible(ApprovalRequest.objects.all()).filter(pk=approval_id).first()
    if found is None:
        raise Http404
    return found
