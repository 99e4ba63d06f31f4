from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "haven.cases"
    label = "cases"
    verbose_name = _("Cases")
    dashboard_panels = [
        "haven.cases.views.my_cases_panel",
        "haven.cases.views_approvals.burn_requests_panel",
    ]
    demo_loader = "haven.cases.demo.load"
    hooks = {
        "account_exposure": ["haven.cases.exposure.exposure_of"],
        "account_pending_burn": ["haven.cases.views_approvals.pending_account_burn"],
        "vault_references": ["haven.cases.views_approvals.case_vault_references"],
    }

    def ready(self) -> None:
        from haven.cases import checks  # noqa: F401  (registers the system checks)

    @property
    def staff_nav(self) -> list:
        from haven.accounts.models import Role
        from haven.core.registry import NavItem

        return [
            NavItem(
                "cases-list",
                _("Cases"),
                roles=(Role.CASEWORKER, Role.COORDINATOR, Role.LAWYER, Role.DOCUMENTATION),
            ),
            NavItem("cases-approvals", _("Approvals"), roles=(Role.COORDINATOR,)),
            NavItem("cases-search-index", _("Name search access"), roles=(Role.COORDINATOR,)),
            NavItem("cases-exposure", _("Exposure"), roles=(Role.COORDINATOR, Role.ADMIN)),
        ]
