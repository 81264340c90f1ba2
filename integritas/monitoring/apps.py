from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "integritas.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring"

    def ready(self) -> None:
        # Key rotation and backups re-wrap and account for the data keys of the files on file.
        from integritas.vault import keys

        entry = ("monitoring", "EvidenceFile", "wrapped_key")
        if entry not in keys.WRAPPED_KEY_FIELDS:
            keys.WRAPPED_KEY_FIELDS.append(entry)
