"""Extension points for the apps: navigation entries, dashboard panels and demo loaders.

Each app declares them on its AppConfig, so adding a capability never edits a shared list:
    staff_nav = [NavItem("cases-list", _("Cases"), roles=(Role.CASEWORKER, ...))]
    dashboard_panels = ["haven.cases.dashboard.my_cases"]   # fn(request) -> Panel | None
    demo_loader = "haven.cases.demo.load"                     # fn(ctx: DemoContext) -> None
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
