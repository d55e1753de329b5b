"""The API object: its routers (one module per resource), its errors, its OpenAPI document.

Served under /api/ (api/urls.py): the document at /api/openapi.json, a Swagger UI page
at /api/docs (its files come from django-ninja's static files: no CDN, CSP-clean).
"""

from ninja import NinjaAPI

from api import errors, messages, notify, preferences, snooze, streams, threads, userdata


class Api(NinjaAPI):
    def get_content_type(self) -> str:
        return "application/json"  # as Django's JsonResponse, which the errors use

    def get_openapi_operation_id(self, operation) -> str:  # type: ignore[no-untyped-def]
        # "message_list", not "api_messages_message_list": stable names for generated clients.
        return operation.view_func.__name__


api = Api(
    title="Notifications API",
    version="1",
    description="The JSON API for clients without a socket (docs/api.md).",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
errors.install(api)
api.add_router("/notifications/preferences/", preferences.router)
api.add_router("/notifications/", messages.router)
api.add_router("/notifications/", snooze.router)
api.add_router("/threads/", threads.router)
api.add_router("/notify/", notify.router)
api.add_router("/me/", userdata.router)
api.add_router("/streams/", streams.router)
