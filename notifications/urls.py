from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:message_id>/read/", views.mark_read, name="mark_read"),
    path("<int:message_id>/unread/", views.mark_unread, name="mark_unread"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("test/", views.send_test, name="send_test"),
]
