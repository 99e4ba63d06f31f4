"""The authorisation matrix: every URL, every persona, every method, against a declared table.

Each app declares its URLs in `haven/<app>/tests/authz.py`:

    EXPECT = {
        "cases-detail": {
            #        anonymous outsider operator caseworker coordinator lawyer docofficer admin
            "GET":    "login     404      403      200        200         403    403        403",
            "POST":   "login     405      405      405        405         405    405        405",
            "PUT":    ...,
            "DELETE": ...,
        },
    }
    FIXTURES = {"cases-detail": make_case_kwargs}   # fn(world: World) -> URL kwargs

An outcome is the status code, except that a redirect to the sign-in page is `login`. URL
parameters come from FIXTURES (an object some personas can see and others cannot: that is how a
404 for "not yours" is tested); without one, each parameter gets a value naming nothing (a fresh
UUID, 999999), so the row shows what a missing object gives. `collect()` finds every app's table;
a URL without an entry fails the matrix test, which prints the row to review and paste.
"""

from __future__ import annotations

import importlib
import pkgutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

PERSONAS = (
    "anonymous",
    "outsider",
    "operator",
    "caseworker",
    "coordinator",
    "lawyer",
    "docofficer",
    "admin",
)
METHODS = ("GET", "POST", "PUT", "DELETE")


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    module: str
    converters: dict[str, str]

    @property
    def app(self) -> str:
        parts = self.module.split(".")
        return parts[1] if parts[0] == "haven" and len(parts) > 1 else parts[0]


@dataclass
class World:
    """What a fixture may use to build objects: the personas (User objects by name)."""

    personas: Any

    def user(self, name: str) -> Any:
        return getattr(self.personas, name)


def _converter_name(converter: Any) -> str:
    return type(converter).__name__.replace("Converter", "").lower()


def routes() -> Iterator[Route]:
    def walk(patterns: Any, prefix: str, converters: dict[str, str]) -> Iterator[Route]:
        for p in patterns:
            own = {k: _converter_name(v) for k, v in getattr(p.pattern, "converters", {}).items()}
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern), {**converters, **own})
            elif isinstance(p, URLPattern):
                callback = p.callback
                module = getattr(callback, "__module__", "")
                name = p.name or f"{module}.{getattr(callback, '__name__', '')}"
                regex_groups = dict.fromkeys(p.pattern.regex.groupindex, "str")
                yield Route(
                    name, prefix + str(p.pattern), module, {**regex_groups, **converters, **own}
                )

    yield from walk(get_resolver().url_patterns, "", {})


def collect() -> tuple[dict[str, dict[str, str]], dict[str, Callable[[World], dict[str, Any]]]]:
    """Every app's EXPECT and FIXTURES, merged."""
    import haven

    expect: dict[str, dict[str, str]] = {}
    fixtures: dict[str, Callable[[World], dict[str, Any]]] = {}
    for module in pkgutil.iter_modules(haven.__path__):
        try:
            mod = importlib.import_module(f"haven.{module.name}.tests.authz")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(f"haven.{module.name}.tests"):
                continue
            raise
        for name in getattr(mod, "EXPECT", {}):
            if name in expect:
                raise AssertionError(f"{name} is declared twice (second: {mod.__name__})")
        expect.update(getattr(mod, "EXPECT", {}))
        fixtures.update(getattr(mod, "FIXTURES", {}))
    return expect, fixtures


def default_kwargs(route: Route) -> dict[str, Any]:
    values = {"int": 999999, "uuid": uuid.UUID(int=0xDEAD), "slug": "nothing", "str": "nothing"}
    kwargs = {k: values.get(v, "nothing") for k, v in route.converters.items()}
    if route.module == "django.views.static":
        kwargs = {"path": "haven.css"}
    return kwargs


def path_for(route: Route, kwargs: dict[str, Any]) -> str:
    from django.urls import reverse

    if route.module == "django.views.static":
        return settings.STATIC_URL + str(kwargs["path"])
    return reverse(route.name, kwargs=kwargs or None)


def outcome(response: Any) -> str:
    if response.status_code in (301, 302, 303):
        location = response.get("Location", "")
        if location.startswith(str(settings.LOGIN_URL)) or location.startswith("/staff/login/"):
            return "login"
    return str(response.status_code)


def call(client: Client, method: str, path: str) -> str:
    response = getattr(client, method.lower())(path)
    return outcome(response)


def row(outcomes: dict[str, str]) -> str:
    return " ".join(f"{outcomes[p]:<6}" for p in PERSONAS).rstrip()


def parse_row(text: str) -> dict[str, str]:
    cells = text.split()
    if len(cells) != len(PERSONAS):
        raise AssertionError(
            f"a row needs {len(PERSONAS)} outcomes ({' '.join(PERSONAS)}): {text!r}"
        )
    return dict(zip(PERSONAS, cells, strict=True))


def draft(name: str, observed: dict[str, dict[str, str]]) -> str:
    lines = [f'    "{name}": {{']
    for method in METHODS:
        lines.append(f'        "{method}": "{row(observed[method])}",')
    lines.append("    },")
    return "\n".join(lines)


# --- the duress persona ------------------------------------------------------------------------
#
# A staff member signed in with their duress password, holding every role and real grants, calls
# every URL with every method (see test_authorization_matrix.py). The matrix for the other
# personas checks who may reach what; this one checks invariant 8: whatever a duress session
# reaches, no table changes. It is not a ninth column of EXPECT because its answer is the same
# everywhere (never a 5xx, nothing written), whatever the status.
#
# What a duress session may write, and so what the snapshot leaves out (haven/accounts/duress.py):
DURESS_MAY_WRITE = {
    # its own session row: last-seen time and flash messages, deleted when it signs out
    "accounts.staffsession": "the duress session itself",
    # the audit head moves when the `duress.pretend` rows below are appended; the chain is
    # verified instead
    "audit.audithead": "moves with appended duress.pretend audit rows",
}
DURESS_AUDIT_ACTIONS = {"duress.pretend"}


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (models and many-to-many tables), in primary-key order, except
    what a duress session may write."""
    from django.apps import apps

    tables: dict[str, list[tuple[Any, ...]]] = {}
    models = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        models.append(model)
    for model in models:
        label = model._meta.label_lower
        if label in DURESS_MAY_WRITE:
            continue
        queryset = model._base_manager.all()
        if label == "audit.auditevent":
            queryset = queryset.exclude(action__in=DURESS_AUDIT_ACTIONS)
        tables[label] = [
            tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
            for row in queryset.order_by("pk").values_list()
        ]
    return tables


def changed_tables(
    before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]
) -> dict[str, str]:
    """Table → what changed (row counts, or "content"), for a readable failure."""
    changes = {}
    for label in sorted(set(before) | set(after)):
        old, new = before.get(label, []), after.get(label, [])
        if len(old) != len(new):
            changes[label] = f"{len(old)} → {len(new)} rows"
        elif old != new:
            changes[label] = "content changed"
    return changes
