from django.apps import AppConfig


class OfflineConfig(AppConfig):
    name = "offline"
    label = "offline"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects the listeners to notifications' events and the export (receivers.py).
        from offline import receivers  # noqa: F401
