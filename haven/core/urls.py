from django.urls import path

from haven.core import views

urlpatterns = [
    path("", views.home, name="core-home"),
    path("notifications/", views.notifications, name="core-notifications"),
    path("notifications/read/", views.notifications_read, name="core-notifications-read"),
]
