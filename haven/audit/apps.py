from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "haven.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        from haven.audit import checks  # noqa: F401  (registers the system checks)
