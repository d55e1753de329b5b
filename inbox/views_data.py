"""/account/data/: export or erase one's notifications (docs/api.md, "Your data").

Plain forms, so the page works without JavaScript: Export is a download (GET), Erase a
POST with the CSRF token and a confirmation box the server checks too. The account page
links here.
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from notifications import selectors
from userdata import services as userdata

CONFIRM = "erase"  # the confirmation box's value


@require_http_methods(["GET", "POST"])
@login_required
def page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("confirm") != CONFIRM:
            messages.error(request, gettext("Tick the box to confirm: erasing cannot be undone."))
            return redirect("account_data")
        erased = userdata.erase(user=request.user)
        messages.success(
            request,
            ngettext("Erased %(count)d notification.", "Erased %(count)d notifications.", erased)
            % {"count": erased},
        )
        return redirect("account_data")
    count = selectors.message_count(user_id=request.user.pk)
    return render(request, "notifications/account_data.html", {"count": count, "confirm": CONFIRM})


@require_GET
@login_required
def export(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        json.dumps(userdata.export(user=request.user), indent=1),
        content_type="application/json",
    )
    response["Content-Disposition"] = f'attachment; filename="notifications-{request.user.pk}.json"'
    return response
