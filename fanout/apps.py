from django.apps import AppConfig


class FanoutConfig(AppConfig):
    name = "fanout"
    default_auto_field = "django.db.models.BigAutoField"
