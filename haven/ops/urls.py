from django.urls import path

from haven.ops import views

urlpatterns = [
    path("ops/wipe/", views.wipe_page, name="ops-wipe"),
    path("ops/wipe/start/", views.wipe_start, name="ops-wipe-start"),
    path("ops/wipe/<int:request_id>/confirm/", views.wipe_confirm, name="ops-wipe-confirm"),
    path("ops/wipe/<int:request_id>/cancel/", views.wipe_cancel, name="ops-wipe-cancel"),
]
