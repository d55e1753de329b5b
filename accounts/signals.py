"""When a credential ends: the signals accounts sends, and the model receivers that send them.

Other apps react without accounts knowing them: the notification sockets close
(consumers/credentials.py). Django's own `user_logged_out` covers logging out.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import Signal, receiver

from accounts.models import ApiToken

# Sent with `token=`: a token was revoked or deleted.
token_ended = Signal()
# Sent with `user=`: the user's password or active status changed, or the user is gone.
credentials_changed = Signal()

CREDENTIAL_FIELDS = ("password", "is_active")


@receiver(pre_save, sender=get_user_model())
def note_credential_change(
    sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any
) -> None:
    """Remember whether this save changes a credential; post_save announces it."""
    instance._credentials_changing = False
    if instance.pk is None or (
        update_fields is not None and not set(CREDENTIAL_FIELDS) & set(update_fields)
    ):
        return
    old = sender.objects.filter(pk=instance.pk).values_list(*CREDENTIAL_FIELDS).first()
    instance._credentials_changing = old is not None and old != tuple(
        getattr(instance, f) for f in CREDENTIAL_FIELDS
    )


@receiver(post_save, sender=get_user_model())
def on_user_save(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    # Only now is the UPDATE done: outside a transaction on_commit runs at once, so an
    # event sent from pre_save reached sockets that re-checked the old row.
    if not created and getattr(instance, "_credentials_changing", False):
        instance._credentials_changing = False
        credentials_changed.send(sender=sender, user=instance)


@receiver(post_delete, sender=get_user_model())
def on_user_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    credentials_changed.send(sender=sender, user=instance)


@receiver(post_delete, sender=ApiToken)
def on_token_delete(sender: Any, instance: ApiToken, **kwargs: Any) -> None:
    # A deleted token ends like a revoked one (its sockets close); revoked ones are closed.
    if instance.revoked_at is None:
        token_ended.send(sender=ApiToken, token=instance)
