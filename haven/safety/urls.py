from django.urls import path

from haven.safety import views, views_health

portal_urlpatterns = [
    path("checkin/", views.portal_checkin, name="safety-checkin"),
    path("panic/", views.portal_panic, name="safety-panic"),
]

urlpatterns = [
    path("healthz", views_health.healthz, name="safety-healthz"),
    path("watch/", views.board, name="safety-board"),
    path("watch/roster/", views.roster, name="safety-roster"),
    path("watch/channels/", views.channels, name="safety-channels"),
    path(
        "watch/channels/<uuid:channel_id>/delete/",
        views.channel_delete,
        name="safety-channel-delete",
    ),
    path("watch/incidents/<uuid:incident_id>/", views.incident_detail, name="safety-incident"),
    path(
        "watch/incidents/<uuid:incident_id>/acknowledge/",
        views.incident_ack,
        name="safety-incident-ack",
    ),
    path(
        "watch/incidents/<uuid:incident_id>/resolve/",
        views.incident_resolve,
        name="safety-incident-resolve",
    ),
    path("watch/cases/<uuid:case_id>/", views.watch_edit, name="safety-watch-edit"),
    path("watch/<uuid:watch_id>/checkin/", views.staff_checkin, name="safety-staff-checkin"),
    path("watch/<uuid:watch_id>/pause/", views.watch_pause, name="safety-watch-pause"),
    path("watch/roster/<int:shift_id>/remove/", views.shift_remove, name="safety-shift-remove"),
    path("safe-houses/", views.houses, name="safety-houses"),
    path("safe-houses/new/", views.house_create, name="safety-house-create"),
    path("safe-houses/<uuid:house_id>/", views.house_detail, name="safety-house"),
    path("safe-houses/<uuid:house_id>/place/", views.house_place, name="safety-house-place"),
    path(
        "safe-houses/<uuid:house_id>/placements/<uuid:placement_id>/end/",
        views.placement_end,
        name="safety-placement-end",
    ),
    path("safe-houses/<uuid:house_id>/status/", views.house_status, name="safety-house-status"),
    path(
        "safe-houses/<uuid:house_id>/disclose/", views.house_disclose, name="safety-house-disclose"
    ),
    path(
        "safe-houses/<uuid:house_id>/compromised/",
        views.house_compromised,
        name="safety-house-compromised",
    ),
]
