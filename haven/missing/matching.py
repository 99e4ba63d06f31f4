"""Finding the same person across the registry and the cases.

Candidates come from the blind index alone: the names of a report (or of a person in a case) are
reduced to coarse keys (:func:`haven.lib.names.name_keys`), HMACed under the search-index key, and
looked up among the registry's and the cases' index entries. Nothing is decrypted to find them.
A candidate is then scored by :func:`haven.lib.names.match_names` in the keyring of someone who can
open both sides, at once if the person saving can, otherwise when someone who can opens the list
of possible matches. A person confirms or rejects; a confirmation creates a link, never a merge.

This module computes and reads only (pairs, scores, what a keyring may see). Every write --
index entries, suggestions, scores, decisions -- is an action in :mod:`haven.missing.actions`,
with its audit event in the same transaction; this module never imports it.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import connections, router
from django.db.models import Q

from haven.lib.names import match_names
from haven.missing.models import MatchCandidate, MissingPersonReport, RegistryIndexEntry
from haven.vault import blind_index
from haven.vault.keyring import Keyring, SealedReader

if TYPE_CHECKING:
    from haven.cases.public import Person

logger = logging.getLogger(__name__)

# A candidate shares at least this many index values with the name (or all of them, for a
# one-word name): one shared given name alone would pair half the registry.
MIN_SHARED = 2
MAX_CANDIDATES = 50
# Ages that differ by more than this many years make two same-named people different.
BIRTH_YEAR_SLACK = 3


def report_names(values: dict[str, Any] | SealedReader) -> list[str]:
    """Every full-name string of a report: the structured name, the full name, alternates."""
    get = values.get if isinstance(values, dict) else (lambda k: getattr(values, k))
    names: list[str] = []
    parts = [get("given_name") or "", get("patronymic") or "", get("family_name") or ""]
    if any(parts):
        names.append(" ".join(p for p in parts if p))
    if get("full_name"):
        names.append(str(get("full_name")))
    names += [str(a) for a in (get("alternate_names") or []) if str(a).strip()]
    return list(dict.fromkeys(n.strip() for n in names if n and n.strip()))


def person_names(reader: SealedReader) -> list[str]:
    parts = [reader.given_name or "", reader.patronymic or "", reader.family_name or ""]
    names = [" ".join(p for p in parts if p)] if any(parts) else []
    names += [str(a) for a in (reader.aliases or []) if str(a).strip()]
    return [n for n in names if n.strip()]


# Skeletons at least this long also get their one-deletion neighbourhood as keys, so that a typo
# in a surname ("Islambejov" / "Islambekow", "Алмев" / "Aliev") still shares a key.
TYPO_KEY_MIN = 5


def token_registry_keys(token: str) -> set[str]:
    """The case index's keys of a token, plus typo keys (``d:``): the coarse skeleton and, when it
    is long enough, every form of it with one symbol deleted. Two skeletons one edit apart (the
    longer one long enough) then share a ``d:`` key."""
    from haven.lib.names import token_keys

    keys = token_keys(token)
    for key in list(keys):
        if not key.startswith("s:"):
            continue
        skeleton = key[2:]
        keys.add(f"d:{skeleton}")
        if len(skeleton) >= TYPO_KEY_MIN:
            keys |= {f"d:{skeleton[:i]}{skeleton[i + 1 :]}" for i in range(len(skeleton))}
    return keys


def index_values(keyring: Keyring, names: Iterable[str]) -> set[str] | None:
    """Blind-index values of these names, or None without the search-index key."""
    groups = token_groups(keyring, names)
    return None if groups is None else set().union(*groups)


# token_groups(index=...) default: open the index in the keyring (one query for the vault).
OPEN_INDEX: Any = object()


def token_groups(
    keyring: Keyring,
    names: Iterable[str],
    *,
    index: Any = OPEN_INDEX,
    cache: dict[str, set[str]] | None = None,
) -> list[set[str]] | None:
    """Blind-index values per name token, merged where two tokens share a value (the same name in
    two scripts), so that each group stands for one part of the name. None without the index.

    `index`: the index vault already opened by the caller (or None: not held), so that a PFIF
    import looks it up once. `cache`: token -> its index values, kept by the caller for one
    batch of an import (common names recur; the keys and HMACs are then computed once)."""
    from haven.lib.names.parse import split_tokens

    opened = blind_index.open_index(keyring) if index is OPEN_INDEX else index
    if opened is None:
        return None
    groups: list[set[str]] = []
    for name in names:
        for token in split_tokens(name):
            if cache is None:
                found = blind_index.hash_keys(opened, token_registry_keys(token))
            else:
                if token not in cache:
                    cache[token] = blind_index.hash_keys(opened, token_registry_keys(token))
                found = set(cache[token])
            if not found:
                continue
            for group in [g for g in groups if g & found]:
                groups.remove(group)
                found |= group
            groups.append(found)
    return groups


# A blocking key (index value) found in more than this many index rows is a common key, the
# stop-word of record linkage: the candidate search reads only its newest COMMON_KEY_ROWS rows
# (the most recently indexed reports or people), a bounded, deterministic subset, instead of
# every report sharing it. A rarer key of the same name is read whole, so a candidate that
# shares a rare part of the name is always found. See docs/missing.md, "Common names".
COMMON_KEY_ROWS = 200


def _value_parts(
    model: Any, field: str, values: list[str], cap: int, exclude: Any = None
) -> tuple[str, list[Any]]:
    """SQL for (owner, value) of at most `cap` index rows per value, the newest first: a UNION
    ALL of one index range per value (each walks the (value, id desc, owner) index and stops
    after `cap` rows, so it costs the same however many rows share the value, and never visits
    the table). `exclude`: an owner left out (the report being matched). Written out rather
    than compiled by the ORM, which cost more than the query (a millisecond a call); SQLite
    needs each LIMIT inside its own subquery."""
    db = _db(model)
    column, table = (
        _quote(db, model._meta.get_field(field).column),
        _quote(db, model._meta.db_table),
    )
    where, extra = "value = %s", []
    if exclude is not None:
        owner_field = model._meta.get_field(field).target_field
        where += f" AND {column} <> %s"
        extra = [owner_field.get_db_prep_value(exclude, connections[db])]
    parts: list[str] = []
    params: list[Any] = []
    for value in values:
        parts.append(
            f"SELECT * FROM (SELECT {column} AS owner, value FROM {table} "  # noqa: S608 (quoted names, our int)
            f"WHERE {where} ORDER BY id DESC LIMIT {cap:d}) AS part{len(parts)}"
        )
        params.extend((value, *extra))
    return " UNION ALL ".join(parts), params


def _db(model: Any) -> str:
    return str(router.db_for_read(model))


def _quote(db: str, name: str) -> str:
    return str(connections[db].ops.quote_name(name))


def _shared(
    model: Any,
    field: str,
    groups: list[set[str]],
    limit: int = MAX_CANDIDATES,
    *,
    exclude: Any = None,
) -> list[Any]:
    """Owners (report or person ids) whose index entries cover at least two parts of the name
    (every part, for a name of one part), most parts covered first, then most shared values,
    then the largest id. Reads index rows only, and a bounded number of them whatever the size
    of the registry: at most COMMON_KEY_ROWS + 1 rows per value of the name (one query) and,
    when a value is common, the common values of the candidates found through a rarer one (a
    second query, by candidate), so that those are counted exactly. A candidate that shares
    only common values is seen only in their newest rows: for a name whose every part is
    common (hundreds of namesakes) reading every row would also have returned only `limit`.

    A name of thirty values reads up to six thousand rows to keep fifty, so the loop over rows
    is kept to set insertions, and the parts covered are counted only for owners sharing
    enough values (most share one common given name and nothing else).
    """
    values = sorted(set().union(*groups)) if groups else []
    if not values:
        return []
    need = min(MIN_SHARED, len(groups))
    db = _db(model)
    sql, params = _value_parts(model, field, values, COMMON_KEY_ROWS + 1, exclude)
    rows = _raw(db, sql, params)
    common = {
        value
        for value, n in Counter(value for _owner, value in rows).items()
        if n > COMMON_KEY_ROWS
    }
    hits: dict[Any, set[str]] = defaultdict(set)
    for owner, value in rows:
        hits[owner].add(value)
    if common:
        # A candidate found through a rare key may carry a common one past its newest rows:
        # read the index rows of those candidates (by owner, not by value: a common value's
        # rows are what this avoids reading), so that they are counted exactly.
        through_rare = sorted({owner for owner, value in rows if value not in common})
        if through_rare:
            # Written out rather than built by the ORM: building an IN lookup of a thousand
            # owners cost more than the query. Owners are passed as the database returned them.
            column = _quote(db, model._meta.get_field(field).column)
            sql = (
                f"SELECT {column}, value FROM {_quote(db, model._meta.db_table)} "  # noqa: S608
                f"WHERE {column} IN ({', '.join(['%s'] * len(through_rare))}) "
                f"AND value IN ({', '.join(['%s'] * len(common))})"
            )
            for owner, value in _raw(db, sql, [*through_rare, *sorted(common)]):
                hits[owner].add(value)
    group_of = {value: g for g, group in enumerate(groups) for value in group}
    ranked = []
    for owner, shared in hits.items():
        if len(shared) >= need:
            covered = len({group_of[value] for value in shared})
            if covered >= need:
                ranked.append((covered, len(shared), owner))
    ranked.sort(reverse=True)
    to_python = model._meta.get_field(field).target_field.to_python
    return [to_python(owner) for _covered, _n, owner in ranked[:limit]]


def _raw(db: str, sql: str, params: Any) -> list[tuple[Any, str]]:
    """Rows as the database returns them: owners are converted to Python only for the few
    returned (a common name reads thousands of rows)."""
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _pair(a: Any, b: Any) -> tuple[Any, Any]:
    """Report pairs are stored once, the smaller id first."""
    return (a, b) if str(a) < str(b) else (b, a)


def report_pairs(
    keyring: Keyring,
    report: MissingPersonReport,
    values: dict[str, Any] | None = None,
    *,
    groups: list[set[str]] | None = None,
) -> list[dict[str, Any]]:
    """Candidate pairs for a report among the other reports and the people in cases (index
    rows only: four queries, whatever the size of the registry). `groups`: the name's index
    groups when the caller has just computed them (:func:`token_groups`)."""
    from haven.cases.public import NameIndexEntry

    if groups is None:
        names = report_names(values if values is not None else keyring.reader(report))
        groups = token_groups(keyring, names)
    if not groups:
        return []
    pairs = []
    for other_id in _shared(RegistryIndexEntry, "report_id", groups, exclude=report.pk):
        a, b = _pair(report.pk, other_id)
        pairs.append({"report_id": a, "other_report_id": b})
    pairs += [
        {"report_id": report.pk, "person_id": person_id}
        for person_id in _shared(NameIndexEntry, "person_id", groups)
    ]
    return pairs


def person_pairs(keyring: Keyring, person: Person, values: dict[str, Any]) -> list[dict[str, Any]]:
    """Candidate pairs for a person in a case (a new intake, a new case, an edit)."""
    groups = token_groups(keyring, [blind_index.person_search_text(values)])
    if not groups:
        return []
    return [
        {"report_id": report_id, "person_id": person.pk}
        for report_id in _shared(RegistryIndexEntry, "report_id", groups)
    ]


def request_pairs(keyring: Keyring, help_request: Any) -> tuple[list[dict[str, Any]], int] | None:
    """Candidate pairs for the names a hotline request mentions, and the number of the person's
    messages looked at; None when there is nothing to do (no registry, no index key, or no new
    message since the last look), so that the name recogniser runs only when it can help."""
    from haven.intake.public import Message
    from haven.missing.models import RegistryCheck

    if not RegistryIndexEntry.objects.exists():
        return None  # nothing to find: spare the name recogniser
    if blind_index.open_index(keyring) is None or not keyring.can_open(help_request.vault):
        return None
    count = help_request.messages.filter(direction=Message.Direction.IN).count()
    check = RegistryCheck.objects.filter(help_request=help_request).first()
    if check is not None and check.messages == count:
        return None
    pairs = []
    for name in names_in_texts(request_texts(keyring, help_request)):
        groups = token_groups(keyring, [name]) or []
        pairs += [
            {"report_id": report_id, "help_request_id": help_request.pk}
            for report_id in _shared(RegistryIndexEntry, "report_id", groups)
        ]
    return pairs, count


_SIDES = ("other_report_id", "person_id", "help_request_id")


def _key(pair: dict[str, Any]) -> tuple[Any, str, Any]:
    side = next(s for s in _SIDES if pair.get(s) is not None)
    return (pair["report_id"], side, pair[side])


def new_pairs(pairs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pairs never suggested before (a rejected pair stays rejected), each once, looked up
    in one query for all of them. The pairs of one save share a side (the report, person or
    request being saved): the query reads that side's suggestions through its index, not every
    suggestion of every candidate (in a registry of namesakes each report gathers hundreds)."""
    unique = {_key(p): p for p in pairs}
    if not unique:
        return []
    common = set.intersection(*({report_id, other} for report_id, _side, other in unique))
    wanted = Q()
    if common:
        shared = next(iter(common))
        for column in {"report_id" if r == shared else side for r, side, _o in unique}:
            wanted |= Q(**{column: shared})
    else:
        for report_id, side, other in unique:
            wanted |= Q(report_id=report_id, **{side: other})
    seen: set[tuple[Any, str, Any]] = set()
    for row in MatchCandidate.objects.filter(wanted).values("report_id", *_SIDES):
        seen.add(_key(row))
    return [p for key, p in unique.items() if key not in seen]


def _birth_year(birth: Any) -> int | None:
    if not isinstance(birth, dict):
        return None
    if birth.get("year"):
        try:
            return int(birth["year"])
        except (TypeError, ValueError):
            return None
    if birth.get("date"):
        try:
            return int(str(birth["date"])[:4])
        except ValueError:
            return None
    return None


def compare(
    names_a: list[str], names_b: list[str], birth_a: Any, birth_b: Any
) -> tuple[float, bool]:
    """Best name score over every pair of names; ages far apart make them different people."""
    best, same = 0.0, False
    for a in names_a:
        for b in names_b:
            result = match_names(a, b)
            best = max(best, result.score)
            same = same or result.same
    ya, yb = _birth_year(birth_a), _birth_year(birth_b)
    if ya is not None and yb is not None and abs(ya - yb) > BIRTH_YEAR_SLACK:
        same = False
    return best, same


def request_texts(keyring: Keyring, help_request: Any) -> list[str]:
    """What the person wrote to the hotline (their own messages, not our replies)."""
    from haven.intake.public import Message

    opened = keyring.open(help_request.vault)
    return [
        opened.unseal(m, "body") or ""
        for m in help_request.messages.filter(direction=Message.Direction.IN).order_by("created_at")
    ]


def names_in_texts(texts: Iterable[str]) -> list[str]:
    """Person names found in free text by the redaction engine's recogniser (natasha for
    Russian, name lists for Latin script)."""
    from haven.lib.redact import redact

    names: list[str] = []
    for text in texts:
        if not text.strip():
            continue
        try:
            names += [s.original for s in redact(text).spans if s.category == "PERSON"]
        except Exception:  # noqa: BLE001  (a recogniser surprise must not break the triage page)
            logger.warning("registry: the name recogniser failed on a message; skipped")
    return list(dict.fromkeys(n.strip() for n in names if n.strip()))


def other_side(candidate: MatchCandidate) -> Any:
    if candidate.other_report_id:
        return candidate.other_report
    if candidate.person_id:
        return candidate.person
    return candidate.help_request


def both_sides(
    keyring: Keyring, candidate: MatchCandidate
) -> tuple[SealedReader, SealedReader] | None:
    left = keyring.reader(candidate.report)
    right = keyring.reader(other_side(candidate))
    if not (left.is_open and right.is_open):
        return None
    return left, right


def other_names(keyring: Keyring, candidate: MatchCandidate, right: SealedReader) -> list[str]:
    if candidate.other_report_id:
        return report_names(right)
    if candidate.person_id:
        return person_names(right)
    return names_in_texts(request_texts(keyring, candidate.help_request))


def scores(keyring: Keyring, candidates: Iterable[MatchCandidate]) -> dict[Any, tuple[float, bool]]:
    """{candidate id: (score, same person?)} for the unscored candidates this keyring can open
    both sides of. Computes only: :func:`haven.missing.actions.score_matches` writes. Both
    sides of every candidate are read in one query per kind (reports, people) and their vaults
    opened in one more, so that the cost does not grow in queries with the number of
    candidates."""
    from haven.cases.public import Person

    todo = [c for c in candidates if c.score is None]
    if not todo:
        return {}
    report_ids = {c.report_id for c in todo} | {c.other_report_id for c in todo}
    reports = {
        r.pk: r
        for r in MissingPersonReport.objects.filter(pk__in=report_ids - {None}).select_related(
            "vault"
        )
    }
    people = {
        p.pk: p
        for p in Person.objects.filter(
            pk__in={c.person_id for c in todo if c.person_id}
        ).select_related("vault")
    }
    keyring.open_many(
        [r.vault for r in reports.values() if keyring.can_open(r.vault_id)]
        + [p.vault for p in people.values() if keyring.can_open(p.vault_id)]
    )
    out: dict[Any, tuple[float, bool]] = {}
    # A new report is one side of every candidate it found: each report's names are read once.
    names_of: dict[Any, tuple[list[str], Any]] = {}

    def names_and_birth(reader: SealedReader) -> tuple[list[str], Any]:
        key = reader.record.pk
        if key not in names_of:
            names_of[key] = (report_names(reader), reader.birth)
        return names_of[key]

    for candidate in todo:
        report = reports.get(candidate.report_id)
        if report is None:
            continue
        left = keyring.reader(report)
        if candidate.other_report_id:
            other: Any = reports.get(candidate.other_report_id)
        elif candidate.person_id:
            other = people.get(candidate.person_id)
        else:
            other = candidate.help_request
        if other is None:
            continue
        right = keyring.reader(other)
        if not (left.is_open and right.is_open):
            continue
        if candidate.other_report_id:
            right_names, right_birth = names_and_birth(right)
        else:
            right_names = other_names(keyring, candidate, right)
            right_birth = None if candidate.help_request_id else right.birth
        left_names, left_birth = names_and_birth(left)
        value, same = compare(left_names, right_names, left_birth, right_birth)
        out[candidate.pk] = (round(value, 3), same)
    return out


def visible_candidates(keyring: Keyring) -> Any:
    """Candidates whose both sides this keyring opens (one query, no decryption)."""
    from haven.cases.public import Person
    from haven.intake.public import HelpRequest

    qs = keyring.visible(MatchCandidate.objects.all(), path="report__vault")
    people = keyring.visible(Person.objects.all()).values("pk")
    requests = keyring.visible(HelpRequest.objects.all()).values("pk")
    return qs.filter(
        Q(other_report__isnull=False) | Q(person__in=people) | Q(help_request__in=requests)
    ).select_related(
        "report__vault",
        "other_report__vault",
        "person__vault",
        "person__case",
        "help_request__vault",
    )
