from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafetyConfig(AppConfig):
    name = "haven.safety"
    label = "safety"
    verbose_name = _("Safety watch")
    dashboard_panels = ["haven.safety.views.watch_panel", "haven.safety.views_health.worker_panel"]
    demo_loader = "haven.safety.demo.load"
    hooks = {
        "case_incidents": ["haven.safety.actions.incident_summary"],
        "case_silent_since": ["haven.safety.actions.silent_since"],
    }
    demo_services = ["haven.safety.worker.start_in_thread"]
    portal_nav = [("safety-checkin", _("Check in"))]

    @property
    def staff_nav(self) -> list:
        from haven.accounts.models import Role
        from haven.core.registry import NavItem

        return [
            NavItem(
                "safety-board", _("Watch"), roles=(Role.CASEWORKER, Role.COORDINATOR, Role.LAWYER)
            ),
            NavItem("safety-houses", _("Safe houses"), roles=(Role.COORDINATOR, Role.CASEWORKER)),
        ]

    def ready(self) -> None:
        from haven.safety import channels, checks  # noqa: F401  (fan-out, system checks)
