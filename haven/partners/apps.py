from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "haven.partners"
    label = "partners"
    verbose_name = _("Partner organisations")
    dashboard_panels = ["haven.partners.views.incoming_panel"]
    demo_loader = "haven.partners.demo.load"
    hooks = {"case_partner_referrals": ["haven.partners.views.case_partner_referrals"]}

    @property
    def staff_nav(self) -> list:
        from haven.accounts.models import Role
        from haven.core.registry import NavItem

        return [NavItem("partners-incoming", _("Partners"), roles=(Role.COORDINATOR,))]
