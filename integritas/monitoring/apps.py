from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "integritas.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring"
