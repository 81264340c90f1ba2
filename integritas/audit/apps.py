from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "integritas.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from integritas.audit import receivers  # noqa: F401
