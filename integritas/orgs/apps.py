from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "integritas.orgs"
    label = "orgs"
    verbose_name = "Organisation"
