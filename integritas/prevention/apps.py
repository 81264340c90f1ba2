from django.apps import AppConfig


class PreventionConfig(AppConfig):
    name = "integritas.prevention"
    label = "prevention"
    verbose_name = "Prevention"

    def ready(self) -> None:
        # Key rotation and backups read this registry: every data key of this app is re-wrapped
        # and accounted for like the cases' own.
        from integritas.vault import backup, keys

        # The gratification thresholds come with the migrations: a restore replaces them with the
        # backup's own rows (they may have been edited), like content types.
        backup.REPLACED_MODELS.add("prevention.gratificationthreshold")
        for model in ("Declaration", "Gratification", "SelfDeclaration", "Agenda"):
            entry = ("prevention", model, "wrapped_key")
            if entry not in keys.WRAPPED_KEY_FIELDS:
                keys.WRAPPED_KEY_FIELDS.append(entry)
