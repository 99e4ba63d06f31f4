from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "haven.audit"
    label = "audit"
    verbose_name = "Audit"
