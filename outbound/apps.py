from django.apps import AppConfig


class OutboundConfig(AppConfig):
    name = "outbound"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Outbound webhooks"

    def ready(self) -> None:
        # The outbox listens to the writers' lifecycle events; the metrics register their
        # collector once per process.
        from django.conf import settings

        from notifications import events
        from outbound import metrics, outbox  # noqa: F401

        events.store_when(lambda: bool(settings.OUTBOUND_WEBHOOK_URL))
