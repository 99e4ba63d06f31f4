from django.urls import path

from haven.intake import views_portal, views_surge, views_triage

portal_urlpatterns = [
    path("", views_portal.home, name="intake-home"),
    path("help/", views_portal.ask_for_help, name="intake-help"),
    path("enter/", views_portal.enter, name="intake-enter"),
    path("inbox/", views_portal.inbox, name="intake-inbox"),
    path("inbox/write/", views_portal.write, name="intake-write"),
    path("leave/", views_portal.leave, name="intake-leave"),
    path("exit/", views_portal.quick_exit, name="intake-exit"),
]

staff_urlpatterns = [
    path("intake/", views_triage.triage, name="intake-triage"),
    path("intake/setup/", views_triage.triage_setup, name="intake-triage-setup"),
    path("intake/rules/", views_surge.triage_rules, name="intake-triage-rules"),
    path("intake/canned/", views_surge.canned_list, name="intake-canned-list"),
    path("intake/canned/new/", views_surge.canned_new, name="intake-canned-new"),
    path("intake/canned/<uuid:canned_id>/", views_surge.canned_edit, name="intake-canned-edit"),
    path(
        "intake/canned/<uuid:canned_id>/delete/",
        views_surge.canned_delete,
        name="intake-canned-delete",
    ),
    path("intake/<uuid:request_id>/", views_triage.triage_detail, name="intake-triage-detail"),
    path("intake/<uuid:request_id>/claim/", views_surge.triage_claim, name="intake-triage-claim"),
    path(
        "intake/<uuid:request_id>/release/",
        views_surge.triage_release,
        name="intake-triage-release",
    ),
    path(
        "intake/<uuid:request_id>/urgency/",
        views_triage.triage_urgency,
        name="intake-triage-urgency",
    ),
    path("intake/<uuid:request_id>/reply/", views_triage.triage_reply, name="intake-triage-reply"),
    path(
        "intake/<uuid:request_id>/open-case/",
        views_triage.triage_open_case,
        name="intake-triage-open-case",
    ),
    path(
        "intake/<uuid:request_id>/attachments/<uuid:attachment_id>/",
        views_triage.triage_attachment,
        name="intake-triage-attachment",
    ),
]
