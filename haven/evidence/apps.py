from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "haven.evidence"
    label = "evidence"
    verbose_name = _("Evidence")
    demo_loader = "haven.evidence.demo.load"

    def ready(self) -> None:
        from haven.evidence import checks  # noqa: F401  (registers the system checks)

    @property
    def staff_nav(self) -> list:
        from haven.accounts.models import Role
        from haven.core.registry import NavItem

        return [NavItem("evidence-list", _("Evidence"), roles=(Role.DOCUMENTATION, Role.LAWYER))]
