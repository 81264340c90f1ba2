from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "integritas.web"
    label = "web"
    verbose_name = "Web pages"
