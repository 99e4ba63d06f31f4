from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinkageConfig(AppConfig):
    name = "haven.linkage"
    label = "linkage"
    verbose_name = _("Shared people with partners")
    demo_loader = "haven.linkage.demo.load"

    @property
    def staff_nav(self) -> list:
        from haven.accounts.models import Role
        from haven.core.registry import NavItem

        return [NavItem("linkage-list", _("Shared with partners"), roles=(Role.COORDINATOR,))]
