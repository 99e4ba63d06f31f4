from django.urls import path

from haven.evidence import views

urlpatterns = [
    path("evidence/", views.incident_list, name="evidence-list"),
    path("evidence/new/", views.incident_create, name="evidence-incident-create"),
    path("evidence/<uuid:incident_id>/", views.incident_detail, name="evidence-incident"),
    path("evidence/<uuid:incident_id>/edit/", views.incident_edit, name="evidence-incident-edit"),
    path("evidence/<uuid:incident_id>/share/", views.incident_share, name="evidence-share"),
    path("evidence/<uuid:incident_id>/places/", views.place_add, name="evidence-place-add"),
    path(
        "evidence/<uuid:incident_id>/perpetrators/",
        views.perpetrator_add,
        name="evidence-perpetrator-add",
    ),
    path("evidence/<uuid:incident_id>/victims/", views.victim_add, name="evidence-victim-add"),
    path("evidence/<uuid:incident_id>/sources/", views.source_add, name="evidence-source-add"),
    path(
        "evidence/<uuid:incident_id>/<str:kind>/<uuid:part_id>/remove/",
        views.part_remove,
        name="evidence-part-remove",
    ),
    path(
        "evidence/<uuid:incident_id>/testimonies/new/",
        views.testimony_create,
        name="evidence-testimony-create",
    ),
    path(
        "evidence/<uuid:incident_id>/files/new/",
        views.attachment_upload,
        name="evidence-attachment-upload",
    ),
    path("evidence/<uuid:incident_id>/export/", views.export, name="evidence-export"),
    path(
        "evidence/<uuid:incident_id>/export/override/",
        views.override_request,
        name="evidence-override-request",
    ),
    path(
        "evidence/testimonies/<uuid:testimony_id>/",
        views.testimony_detail,
        name="evidence-testimony",
    ),
    path(
        "evidence/testimonies/<uuid:testimony_id>/consent/",
        views.testimony_consent,
        name="evidence-consent",
    ),
    path(
        "evidence/testimonies/<uuid:testimony_id>/redactions/propose/",
        views.redaction_propose,
        name="evidence-redaction-propose",
    ),
    path(
        "evidence/testimonies/<uuid:testimony_id>/redactions/",
        views.redaction_review,
        name="evidence-review",
    ),
    path(
        "evidence/files/<uuid:attachment_id>/", views.attachment_detail, name="evidence-attachment"
    ),
    path(
        "evidence/files/<uuid:attachment_id>/download/",
        views.attachment_download,
        name="evidence-attachment-download",
    ),
    path(
        "evidence/files/<uuid:attachment_id>/custody/",
        views.attachment_custody,
        name="evidence-custody",
    ),
    path(
        "evidence/files/<uuid:attachment_id>/verify/",
        views.attachment_verify,
        name="evidence-attachment-verify",
    ),
    path(
        "evidence/files/<uuid:attachment_id>/transfer/",
        views.attachment_transfer,
        name="evidence-attachment-transfer",
    ),
    path(
        "evidence/files/<uuid:attachment_id>/delete/",
        views.attachment_delete,
        name="evidence-attachment-delete",
    ),
]
