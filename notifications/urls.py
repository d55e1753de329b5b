from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("<int:message_id>/read/", views.mark_read, name="mark_read"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("test/", views.send_test, name="send_test"),
]
