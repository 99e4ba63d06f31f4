from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "haven.alerts"
    label = "alerts"
    verbose_name = _("Alerts")
    hooks = {"audit_checkpoint_issued": ["haven.alerts.actions.announce_checkpoint"]}
