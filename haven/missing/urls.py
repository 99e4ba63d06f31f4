from django.urls import path

from haven.missing import views, views_matches, views_pfif

urlpatterns = [
    path("missing/", views.report_list, name="missing-list"),
    path("missing/new/", views.report_create, name="missing-create"),
    path("missing/access/", views.registry_access, name="missing-access"),
    path("missing/export/", views.export_request, name="missing-export-request"),
    path("missing/pfif/import/", views_pfif.pfif_import, name="missing-pfif-import"),
    path("missing/pfif/export/", views_pfif.pfif_export, name="missing-pfif-export"),
    path("missing/index-pending/", views.index_pending, name="missing-index-pending"),
    path("missing/matches/", views_matches.match_list, name="missing-matches"),
    path("missing/matches/<uuid:candidate_id>/", views_matches.match_detail, name="missing-match"),
    path("missing/<uuid:report_id>/", views.report_detail, name="missing-detail"),
    path("missing/<uuid:report_id>/edit/", views.report_edit, name="missing-edit"),
    path("missing/<uuid:report_id>/notes/", views.report_note, name="missing-note"),
    path("missing/<uuid:report_id>/link/", views.report_link, name="missing-link"),
    path("missing/<uuid:report_id>/unlink/", views.report_unlink, name="missing-unlink"),
]
