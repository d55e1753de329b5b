"""Password log-in with a failure limit per client address.

After LOGIN_FAILURE_LIMIT failed log-ins from one address within LOGIN_FAILURE_WINDOW
seconds, every log-in from it is refused (429 with Retry-After, the form says when to
try again) until the window ends, before the password is checked: guessing at speed
learns nothing and costs no password hash. One warning per address and window. Counted
per server process, like the bearer failure limit.
"""

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.utils.translation import ngettext

from accounts.throttle import Window

logger = logging.getLogger(__name__)

failures = Window(lambda: settings.LOGIN_FAILURE_LIMIT, lambda: settings.LOGIN_FAILURE_WINDOW)


def _address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or ""


class ThrottledLoginView(LoginView):
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wait = failures.blocked(_address(request))
        if wait is not None:
            form = self.get_form()
            form.errors.clear()
            form.add_error(
                None,
                ngettext(
                    "Too many failed log-ins; try again in %(wait)d second.",
                    "Too many failed log-ins; try again in %(wait)d seconds.",
                    wait,
                )
                % {"wait": wait},
            )
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        address = _address(self.request)
        failures.hit(address)
        if failures.first_refusal(address):
            logger.warning(
                "%d failed log-ins from %s: refusing it for %g s",
                settings.LOGIN_FAILURE_LIMIT + 1,
                address or "an unknown address",
                settings.LOGIN_FAILURE_WINDOW,
            )
        return super().form_invalid(form)
