from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "haven.intake"
    label = "intake"
    verbose_name = _("Intake")
    dashboard_panels = ["haven.intake.views_triage.triage_panel"]
    demo_loader = "haven.intake.demo.load"
    hooks = {"exposure_rows_per_vault": ["haven.intake.hooks.exposure_rows_per_vault"]}

    @property
    def staff_nav(self) -> list:
        from haven.accounts.models import Role
        from haven.core.registry import NavItem

        return [NavItem("intake-triage", _("Requests"), roles=(Role.OPERATOR, Role.COORDINATOR))]
