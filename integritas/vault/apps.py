from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "integritas.vault"
    label = "vault"
    verbose_name = "Vault"
