from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views
from accounts.login import ThrottledLoginView

urlpatterns = [
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("", views.account, name="account"),
    path("password/", views.PasswordChange.as_view(), name="password_change"),
    path("email/confirm/<str:token>/", views.email_confirm, name="email_confirm"),
]
