"""The browser's translations: Django's JavaScript catalogue, one URL per language.

The pages load it as a script file from this origin (`<script src="/jsi18n/pl/">`), so the
strict CSP (project/csp.py: script-src 'self', no inline script, no eval) stays as it is.
The language is in the path, not taken from the request, so a browser may keep the file:
a user who switches language loads another URL. docs/i18n.md.
"""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.views.i18n import JavaScriptCatalog

# An hour: a deploy with new strings reaches open browsers within it; the English
# fallbacks in static/notifications/i18n.js cover a string the cached file lacks.
MAX_AGE = 3600


class Catalog(JavaScriptCatalog):
    def get(self, request: HttpRequest, *args: object, lang: str, **kwargs: object) -> HttpResponse:
        if lang not in dict(settings.LANGUAGES):
            raise Http404("no such language")
        with translation.override(lang):
            response = super().get(request, *args, **kwargs)
        patch_cache_control(response, public=True, max_age=MAX_AGE)
        return response


catalog = Catalog.as_view()
