from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "haven.core"
    label = "core"
    verbose_name = _("Haven")

    def ready(self) -> None:
        from haven.core import checks  # noqa: F401  (registers the system checks)
