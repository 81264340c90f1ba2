from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "integritas.notify"
    label = "notify"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from integritas.notify import receivers  # noqa: F401
