from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "haven.reports"
    label = "reports"
    verbose_name = _("Reports")
    demo_loader = "haven.reports.demo.load"

    @property
    def staff_nav(self) -> list:
        from haven.accounts.models import Role
        from haven.core.registry import NavItem

        return [NavItem("reports-statistics", _("Statistics"), roles=(Role.COORDINATOR,))]
