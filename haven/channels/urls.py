from django.urls import path

from haven.channels import views, views_handles

public_urlpatterns = [
    path("channels/hook/<uuid:channel_id>/", views.webhook, name="channels-webhook"),
]

urlpatterns = [
    path("channels/", views.channel_list, name="channels-list"),
    path("channels/<uuid:channel_id>/texts/", views_handles.channel_texts, name="channels-texts"),
    path(
        "channels/cases/<uuid:case_id>/handles/",
        views_handles.case_handles,
        name="channels-case-handles",
    ),
    path(
        "channels/cases/<uuid:case_id>/handles/<uuid:handle_id>/remove/",
        views_handles.case_handle_remove,
        name="channels-case-handle-remove",
    ),
]
