from django.apps import AppConfig


class InboxConfig(AppConfig):
    """The inbox the user reads in the browser: its pages, their forms and the toast stack."""

    name = "inbox"
    label = "inbox"
