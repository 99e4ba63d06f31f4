from django.urls import path

from haven.linkage import views

urlpatterns = [
    path("linkage/", views.suggestion_list, name="linkage-list"),
    path(
        "linkage/encoding-requests/",
        views.encoding_request,
        name="linkage-encoding-request",
    ),
    path(
        "linkage/<uuid:suggestion_id>/decide/",
        views.suggestion_decide,
        name="linkage-decide",
    ),
]
