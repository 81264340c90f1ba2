from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "integritas.audit"
    label = "audit"
    verbose_name = "Audit log"
