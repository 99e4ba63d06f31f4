from django.urls import path

from haven.evidence.views import attachments, export, incidents, testimonies

urlpatterns = [
    path("evidence/", incidents.incident_list, name="evidence-list"),
    path("evidence/new/", incidents.incident_create, name="evidence-incident-create"),
    path("evidence/<uuid:incident_id>/", incidents.incident_detail, name="evidence-incident"),
    path(
        "evidence/<uuid:incident_id>/edit/", incidents.incident_edit, name="evidence-incident-edit"
    ),
    path("evidence/<uuid:incident_id>/share/", incidents.incident_share, name="evidence-share"),
    path("evidence/<uuid:incident_id>/places/", incidents.place_add, name="evidence-place-add"),
    path(
        "evidence/<uuid:incident_id>/perpetrators/",
        incidents.perpetrator_add,
        name="evidence-perpetrator-add",
    ),
    path("evidence/<uuid:incident_id>/victims/", incidents.victim_add, name="evidence-victim-add"),
    path("evidence/<uuid:incident_id>/sources/", incidents.source_add, name="evidence-source-add"),
    path(
        "evidence/<uuid:incident_id>/<str:kind>/<uuid:part_id>/remove/",
        incidents.part_remove,
        name="evidence-part-remove",
    ),
    path(
        "evidence/<uuid:incident_id>/testimonies/new/",
        testimonies.testimony_create,
        name="evidence-testimony-create",
    ),
    path(
        "evidence/<uuid:incident_id>/files/new/",
        attachments.attachment_upload,
        name="evidence-attachment-upload",
    ),
    path("evidence/<uuid:incident_id>/export/", export.export, name="evidence-export"),
    path(
        "evidence/<uuid:incident_id>/export/override/",
        export.override_request,
        name="evidence-override-request",
    ),
    path(
        "evidence/testimonies/<uuid:testimony_id>/",
        testimonies.testimony_detail,
        name="evidence-testimony",
    ),
    path(
        "evidence/testimonies/<uuid:testimony_id>/consent/",
        testimonies.testimony_consent,
        name="evidence-consent",
    ),
    path(
        "evidence/testimonies/<uuid:testimony_id>/redactions/propose/",
        testimonies.redaction_propose,
        name="evidence-redaction-propose",
    ),
    path(
        "evidence/testimonies/<uuid:testimony_id>/redactions/",
        testimonies.redaction_review,
        name="evidence-review",
    ),
    path(
        "evidence/files/<uuid:attachment_id>/",
        attachments.attachment_detail,
        name="evidence-attachment",
    ),
    path(
        "evidence/files/<uuid:attachment_id>/download/",
        attachments.attachment_download,
        name="evidence-attachment-download",
    ),
    path(
        "evidence/files/<uuid:attachment_id>/custody/",
        attachments.attachment_custody,
        name="evidence-custody",
    ),
    path(
        "evidence/files/<uuid:attachment_id>/verify/",
        attachments.attachment_verify,
        name="evidence-attachment-verify",
    ),
    path(
        "evidence/files/<uuid:attachment_id>/transfer/",
        attachments.attachment_transfer,
        name="evidence-attachment-transfer",
    ),
    path(
        "evidence/files/<uuid:attachment_id>/delete/",
        attachments.attachment_delete,
        name="evidence-attachment-delete",
    ),
]
