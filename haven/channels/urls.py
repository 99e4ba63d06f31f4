from django.urls import path

from haven.channels import views

public_urlpatterns = [
    path("channels/hook/<uuid:channel_id>/", views.webhook, name="channels-webhook"),
]

urlpatterns = [
    path("channels/", views.channel_list, name="channels-list"),
]
