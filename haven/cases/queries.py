"""The case list's queries: filters, name search and keyset pages, bounded at any size.

At 100,000 cases a list page must not count, sort or decrypt what it does not show:
- rows are read in the order of the index `case_list_order` (-updated_at, -id) and a page is
  the next 50 after a cursor (keyset), never an OFFSET;
- the total is counted up to COUNT_LIMIT only ("more than 1,000");
- an account holding many grants has each row's grant checked by an indexed lookup while the
  index is walked (it stops after one page); an account holding few has its grants drive the
  query (they are fewer than the rows the walk would skip);
- a name search narrows by the blind index in SQL (every typed word must match an index entry
  of the case), then decrypts candidates page by page, in list order, until the page is full:
  a surname shared by 4,000 people opens about a page of vaults, not 4,000.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from haven.cases.models import Case, CaseAssignment, NameIndexEntry, Person, Task
from haven.core.http import HavenRequest
from haven.lib.names.keys import name_keys
from haven.vault import blind_index
from haven.vault.keyring import Keyring
from haven.vault.models import Grant

PAGE_SIZE = 50
COUNT_LIMIT = 1000
# Above this many grants an account's list walks the order index and checks each row's grant;
# at or below it the grants drive the query. Both plans read about a page's worth of rows.
WALK_ABOVE_GRANTS = 2000
# Candidates decrypted per round of a name search: a page and a little more, since the blind
# index over-matches on purpose.
SEARCH_CHUNK = PAGE_SIZE + 14


@dataclass
class CasePage:
    rows: list[Case]
    # Cursors: the first and last case shown, for the links to newer and older cases.
    newer: UUID | None = None
    older: UUID | None = None
    # Cases matching the filters, counted up to COUNT_LIMIT; None for a name search (its
    # total is only known after decrypting every candidate, which is what it avoids).
    count: int | None = None
    search_unavailable: bool = False
    table: list[dict[str, Any]] = field(default_factory=list)

    @property
    def count_is_bounded(self) -> bool:
        return self.count is not None and self.count > COUNT_LIMIT


def visible_cases(keyring: Keyring) -> QuerySet[Case]:
    """The cases this keyring opens, in the plan that fits the account's number of grants."""
    if keyring.is_empty or keyring.user is None:
        return Case.objects.none()
    held = Grant.objects.filter(user=keyring.user)[: WALK_ABOVE_GRANTS + 1].count()
    if held > WALK_ABOVE_GRANTS:
        return keyring.visible(Case.objects.all(), walk=True)
    return keyring.visible(Case.objects.all(), join=True)


def filtered_cases(keyring: Keyring, user: Any, data: dict[str, Any]) -> QuerySet[Case]:
    """Visible cases narrowed by the filter form's fields other than the search text."""
    cases = visible_cases(keyring)
    if data.get("state"):
        cases = cases.filter(state=data["state"])
    if data.get("risk"):
        cases = cases.filter(risk=data["risk"])
    # Filters on tasks and assignments are subqueries, not joins: a join would repeat a case
    # once per task and need DISTINCT, which at 100,000 cases costs seconds (measured).
    if data.get("mine"):
        cases = cases.filter(pk__in=assigned_to(user))
    if data.get("assignee"):
        cases = cases.filter(pk__in=assigned_to(data["assignee"]))
    if data.get("overdue"):
        cases = cases.filter(pk__in=open_tasks_due_before(timezone.localdate()))
    if data.get("due_within"):
        horizon = timezone.localdate() + datetime.timedelta(days=int(data["due_within"]) + 1)
        cases = cases.filter(pk__in=open_tasks_due_before(horizon))
    return cases.defer("risk_reason")


def assigned_to(user: Any) -> Any:
    return CaseAssignment.objects.filter(user=user).values("case_id")


def open_tasks_due_before(day: datetime.date) -> Any:
    return Task.objects.filter(done_at__isnull=True, due_date__lt=day).values("case_id")


def _parse_cursor(value: str | None) -> UUID | None:
    try:
        return UUID(value) if value else None
    except ValueError:
        return None  # a mangled link shows the first page, never an error


def _cursor_time(keyring: Keyring, cursor: UUID | None) -> Any:
    """The sort position of the cursor's case, resolved through the access function: a case
    of another compartment (or none) is no position to page from, and its time would leak
    through the page boundary."""
    if cursor is None:
        return None
    return (
        # One row: its own grant is looked up (walk), not every grant of the account.
        keyring.visible(Case.objects.filter(pk=cursor), walk=True)
        .values_list("updated_at", flat=True)
        .first()
    )


def _after(cases: QuerySet[Case], at: Any, cursor: UUID | None, *, newer: bool) -> QuerySet[Case]:
    """Cases past the cursor in list order (older ones), or before it (newer, ascending)."""
    if at is not None:
        if newer:
            cases = cases.filter(Q(updated_at__gt=at) | Q(updated_at=at, id__gt=cursor))
        else:
            cases = cases.filter(Q(updated_at__lt=at) | Q(updated_at=at, id__lt=cursor))
    return cases.order_by(*(("updated_at", "id") if newer else ("-updated_at", "-id")))


def search_index_values(keyring: Keyring, q: str) -> list[set[str]] | None:
    """Blind-index values of each typed word that has name keys, or None if this keyring does
    not hold the index vault (only references can then be searched)."""
    vault = blind_index.index_vault()
    if vault is None or not keyring.can_open(vault):
        return None
    opened = keyring.open(vault)
    words = []
    for token in q.split():
        keys = name_keys(token)
        if keys:
            words.append({opened.blind_index(k, bits=blind_index.INDEX_BITS) for k in keys})
    return words


def person_matches(reader: Any, q: str) -> bool:
    """Every word typed matches some name of the person (the blind index alone over-matches)."""
    text = blind_index.person_search_text(
        {f: getattr(reader, f) for f in ("given_name", "family_name", "patronymic", "aliases")}
    )
    person_keys = name_keys(text)
    return all(person_keys & name_keys(token) for token in q.split() if name_keys(token))


def _search_page(
    keyring: Keyring, cases: QuerySet[Case], q: str, words: list[set[str]]
) -> tuple[list[Case], bool]:
    """Up to PAGE_SIZE cases of `cases` (ordered, past the cursor) whose reference is `q` or
    one of whose people matches `q` once decrypted; and whether there are more."""
    named = Q()
    for values in words:
        named &= Q(pk__in=NameIndexEntry.objects.filter(value__in=values).values("case_id"))
    candidates = cases.filter((named if words else Q(pk__in=[])) | Q(reference__iexact=q))
    kept: list[Case] = []
    offset, chunk = 0, SEARCH_CHUNK
    while True:
        batch = list(candidates[offset : offset + chunk])
        if not batch:
            return kept, False
        people = Person.objects.filter(case__in=batch).select_related("vault")
        matching = {
            r.record.case_id for r in keyring.readers(people) if r.is_open and person_matches(r, q)
        }
        for case in batch:
            if case.id in matching or case.reference.lower() == q.lower():
                if len(kept) == PAGE_SIZE:
                    return kept, True
                kept.append(case)
        if len(batch) < chunk:
            return kept, False
        offset += chunk
        chunk *= 2  # few matches among the candidates: read further ahead


def case_page(request: HavenRequest, data: dict[str, Any] | None) -> CasePage:
    """One page of the case list for the filter form's cleaned data (None: no filters)."""
    keyring = request.keyring
    data = data or {}
    cases = filtered_cases(keyring, request.user, data)
    newer_cursor = _parse_cursor(request.GET.get("before"))
    cursor = newer_cursor or _parse_cursor(request.GET.get("after"))
    at = _cursor_time(keyring, cursor)
    if at is None:
        cursor = None  # unknown or not this account's: the first page
    going_back = cursor is not None and newer_cursor is not None
    ordered = _after(cases, at, cursor, newer=going_back)
    q = (data.get("q") or "").strip()
    page = CasePage(rows=[])
    if q:
        words = search_index_values(keyring, q)
        if words is None:
            page.search_unavailable = True
            rows = list(ordered.filter(reference__iexact=q)[: PAGE_SIZE + 1])
            more = len(rows) > PAGE_SIZE
            rows = rows[:PAGE_SIZE]
        else:
            rows, more = _search_page(keyring, ordered, q, words)
    else:
        rows = list(ordered[: PAGE_SIZE + 1])
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        page.count = cases.values("pk")[: COUNT_LIMIT + 1].count()
    if going_back:
        rows.reverse()
    page.rows = rows
    if rows:
        # Going back, there are older cases (we came from them) and newer ones if `more`.
        has_newer = more if going_back else cursor is not None
        has_older = True if going_back else more
        page.newer = rows[0].id if has_newer else None
        page.older = rows[-1].id if has_older else None
    page.table = _table(keyring, rows)
    return page


def _table(keyring: Keyring, rows: list[Case]) -> list[dict[str, Any]]:
    """The page's rows with the people's names (decrypted, per record), assignees and the next
    open task's due date: one query each, whatever the page size."""
    next_due = dict(
        Task.objects.filter(case__in=rows, done_at__isnull=True)
        .values("case_id")
        .annotate(first=Min("due_date"))
        .values_list("case_id", "first")
    )
    people = Person.objects.filter(case__in=rows).order_by("created_at")
    names: dict[Any, list[str]] = {}
    for r in keyring.readers(people):
        names.setdefault(r.case_id, []).append(
            " ".join(x for x in (r.given_name, r.family_name) if x)
        )
    assignees: dict[Any, list[str]] = {}
    for case_id, username in CaseAssignment.objects.filter(case__in=rows).values_list(
        "case_id", "user__username"
    ):
        assignees.setdefault(case_id, []).append(username)
    # Labels looked up once per page: `get_state_display()` rebuilds a dict of every (lazy,
    # translated) choice on each call, which for 50 rows × 2 columns was a fifth of the page.
    states = {k: str(v) for k, v in Case.State.choices}
    risks = {k: str(v) for k, v in Case.Risk.choices}
    # The case links from one reversed URL, and the names joined here: `{% url %}` and `|join`
    # per row were a fifth of the list's template time (issue 16). The template escapes both.
    placeholder = UUID(int=0)
    url = reverse("cases-detail", args=[placeholder]).replace(str(placeholder), "{}")
    table = []
    for c in rows:
        c.next_due = next_due.get(c.id)  # type: ignore[attr-defined]
        table.append(
            {
                "case": c,
                "url": url.format(c.id),
                "names": "; ".join(names.get(c.id, [])),
                "assignees": ", ".join(assignees.get(c.id, [])),
                "state": states.get(c.state, ""),
                "risk": risks.get(c.risk, ""),
            }
        )
    return table


def unindexed_count(keyring: Keyring) -> int:
    """People in the user's cases saved without the index key, if this user could index them
    (the partial index `person_pending_name_index` holds only those; counted up to a bound)."""
    vault = blind_index.index_vault()
    if vault is None or not keyring.can_open(vault):
        return 0
    pending = Person.objects.filter(name_indexed=False)
    return keyring.visible(pending, walk=True).values("pk")[: COUNT_LIMIT + 1].count()
