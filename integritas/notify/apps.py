from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "integritas.notify"
    label = "notify"
    verbose_name = "Notifications"
