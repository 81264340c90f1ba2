from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "integritas.cases"
    label = "cases"
    verbose_name = "Cases"
