"""Extension points for the apps: navigation entries, dashboard panels and demo loaders.

Each app declares them on its AppConfig, so adding a capability never edits a shared list:
    staff_nav = [NavItem("cases-list", _("Cases"), roles=(Role.CASEWORKER, ...))]
    dashboard_panels = ["haven.cases.dashboard.my_cases"]   # fn(request) -> Panel | None
    demo_loader = "haven.cases.demo.load"                     # fn(ctx: DemoContext) -> None
    hooks = {"person_saved": ["haven.missing.hooks.person_saved"]}

Hooks are how one app tells others that something happened, or asks them for what they add to
its pages, without importing them: the app that owns the thing names the hook and its signature
(listed in HOOKS), the apps that care declare a function for it. An app that is not installed
simply offers nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: Any
    roles: tuple[str, ...] = ()  # empty: every staff member


@dataclass
class Panel:
    """One box on the dashboard: a title, a template and its context."""

    title: Any
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 50


def nav_items() -> Iterator[NavItem]:
    for config in apps.get_app_configs():
        yield from getattr(config, "staff_nav", ())


def dashboard_panel_functions() -> Iterator[Callable[..., Panel | None]]:
    for config in apps.get_app_configs():
        for path in getattr(config, "dashboard_panels", ()):
            yield import_string(path)


def demo_loaders() -> Iterator[tuple[str, Callable[..., None]]]:
    for config in apps.get_app_configs():
        path = getattr(config, "demo_loader", None)
        if path:
            yield config.label, import_string(path)


def demo_services() -> Iterator[Callable[[], None]]:
    """Background services `haven demo` starts in its own process (e.g. the safety worker):
    AppConfig.demo_services = ["haven.safety.worker.start_in_thread"]."""
    for config in apps.get_app_configs():
        for path in getattr(config, "demo_services", ()):
            yield import_string(path)


# Every hook an app may declare, with the signature its functions have. An app calling a hook
# does not know which apps answer; that is what keeps the arrows between apps one-way.
HOOKS = {
    # cases: a person in a case was created or edited, inside the saving transaction.
    "person_saved": "fn(keyring, person, values: dict) -> object",
    # cases: rows an app adds to the case page ("registry links", "incidents").
    "case_registry_links": "fn(request, case) -> list[(link, report | None)]",
    "case_incidents": "fn(case) -> list[dict]",
    "case_silent_since": "fn(case) -> datetime | None",
    # cases: the case's referrals and transfers to partner organisations, with their answers.
    "case_partner_referrals": "fn(request, case) -> dict(link, rows: list[dict]) | None",
    # cases: the watched person's handles registered on channels (count and the page's link).
    "case_channel_handles": "fn(request, case) -> dict(link, count) | None",
    # intake: suggestions shown on a hotline request's triage page.
    "request_registry_matches": "fn(request, help_request) -> list[MatchCandidate]",
    # intake: a staff reply was written (in its transaction), to send it over the person's channel.
    "request_replied": "fn(actor, request, message, text) -> object",
    # intake: the channel a request came through and each reply's delivery, for triage.
    "request_channel_status": "fn(request, help_request) -> list[dict]",
    # accounts: what an account can reveal right now, kept in the audit row when it is burned.
    "account_exposure": "fn(user) -> dict[str, int]",
    # accounts: the account page's burn request waiting for a second coordinator, if any.
    "account_pending_burn": "fn(user) -> ApprovalRequest | None",
    # accounts: what the app owning a vault calls it (a case reference), by vault id.
    "vault_references": "fn(vaults: list[Vault]) -> dict[vault_id, str]",
    # audit: a checkpoint of the chain was signed, inside its transaction (to send to witnesses).
    "audit_checkpoint_issued": "fn(checkpoint) -> object",
    # cases (exposure report): identifying rows per vault an app stores, by column name.
    "exposure_rows_per_vault": "fn() -> dict[str, Counter[vault_id]]",
}


def hook_functions(name: str) -> Iterator[Callable[..., Any]]:
    """The functions the installed apps declare for `name`, in INSTALLED_APPS order."""
    if name not in HOOKS:
        raise LookupError(f"undeclared hook {name!r}")
    for config in apps.get_app_configs():
        for path in getattr(config, "hooks", {}).get(name, ()):
            yield import_string(path)


def call_hooks(name: str, *args: Any, **kwargs: Any) -> list[Any]:
    """Call every function declared for `name`; their results, in the same order."""
    return [fn(*args, **kwargs) for fn in hook_functions(name)]
