from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MissingConfig(AppConfig):
    name = "haven.missing"
    label = "missing"
    verbose_name = _("Missing persons")
    dashboard_panels = ["haven.missing.views_matches.matches_panel"]
    demo_loader = "haven.missing.demo.load"
    hooks = {
        "person_saved": ["haven.missing.hooks.person_saved"],
        "case_registry_links": ["haven.missing.views.case_registry_links"],
        "request_registry_matches": ["haven.missing.views_matches.request_registry_matches"],
        "exposure_rows_per_vault": ["haven.missing.hooks.exposure_rows_per_vault"],
    }

    @property
    def staff_nav(self) -> list:
        from haven.accounts.models import Role
        from haven.core.registry import NavItem

        return [
            NavItem(
                "missing-list",
                _("Missing persons"),
                roles=(Role.DOCUMENTATION, Role.COORDINATOR, Role.CASEWORKER, Role.LAWYER),
            ),
            NavItem(
                "missing-matches",
                _("Possible matches"),
                roles=(Role.DOCUMENTATION, Role.COORDINATOR, Role.CASEWORKER),
            ),
        ]
