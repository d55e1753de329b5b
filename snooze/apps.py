from django.apps import AppConfig


class SnoozeConfig(AppConfig):
    name = "snooze"
