from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.i18n import set_language

from aftersales.web import inbox, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/<int:message_id>/read/", inbox.mark_read, name="inbox_read"),
    path("inbox/preferences/", inbox.preferences, name="inbox_preferences"),
    path("healthz", views.healthz, name="healthz"),
]
