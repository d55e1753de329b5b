"""HTTP fallbacks for the browser when the socket is down. Thin: parse, call, map."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from notifications import selectors, services


@require_POST
@login_required
def mark_read(request: HttpRequest, message_id: int) -> JsonResponse:
    changed = services.mark_read(user=request.user, ids=[message_id])
    count = selectors.unread_count(user_id=request.user.pk)
    if not changed and not _owns(request, message_id):
        # Another user's id and an unknown id look the same.
        return JsonResponse({"error": "not_found"}, status=404)
    return JsonResponse({"ids": changed, "unread_count": count})


@require_POST
@login_required
def mark_all_read(request: HttpRequest) -> JsonResponse:
    changed = services.mark_all_read(user=request.user)
    return JsonResponse(
        {
            "ids": changed,
            "unread_count": 0 if changed else selectors.unread_count(user_id=request.user.pk),
        }
    )


@require_POST
@login_required
def send_test(request: HttpRequest) -> JsonResponse:
    """Send the signed-in user a notification, to try the live path from the browser."""
    now = timezone.localtime().strftime("%H:%M:%S")
    message = services.notify(request.user, f"Test notification sent at {now}")
    return JsonResponse({"id": message.pk}, status=201)


def _owns(request: HttpRequest, message_id: int) -> bool:
    return selectors.owns_message(user_id=request.user.pk, message_id=message_id)
