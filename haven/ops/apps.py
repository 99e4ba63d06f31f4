from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "haven.ops"
    label = "ops"
    verbose_name = _("Operations")
    dashboard_panels = ["haven.ops.views.wipe_panel"]
    demo_loader = "haven.ops.demo.load"

    def ready(self) -> None:
        from haven.ops import checks  # noqa: F401  (system checks)

    @property
    def staff_nav(self) -> list:
        from haven.accounts.models import Role
        from haven.core.registry import NavItem

        return [NavItem("ops-wipe", _("Emergency wipe"), roles=(Role.ADMIN,))]
