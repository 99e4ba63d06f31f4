from django.urls import path

from haven.cases import views, views_approvals

urlpatterns = [
    # Account burning under the two-person rule: the account pages' paths and names, the approval
    # engine's views (accounts imports no domain app).
    path("accounts/<int:user_id>/burn/", views_approvals.account_burn, name="accounts-burn"),
    path("accounts/burns/", views_approvals.burn_requests, name="accounts-burn-requests"),
    path(
        "accounts/burns/<uuid:approval_id>/",
        views_approvals.burn_decide,
        name="accounts-burn-decide",
    ),
    path("cases/", views.case_list, name="cases-list"),
    path("cases/new/", views.case_create, name="cases-create"),
    path("cases/approvals/", views.approvals, name="cases-approvals"),
    path("cases/search-index/", views.search_index, name="cases-search-index"),
    path("cases/search-index/pending/", views.index_pending, name="cases-index-pending"),
    path(
        "cases/approvals/<uuid:approval_id>/", views.approval_decide, name="cases-approval-decide"
    ),
    path("cases/<uuid:case_id>/", views.case_detail, name="cases-detail"),
    path("cases/<uuid:case_id>/people/new/", views.person_edit, name="cases-person-new"),
    path(
        "cases/<uuid:case_id>/people/<uuid:person_id>/", views.person_edit, name="cases-person-edit"
    ),
    path("cases/<uuid:case_id>/transition/", views.case_transition, name="cases-transition"),
    path("cases/<uuid:case_id>/notes/", views.case_note, name="cases-note"),
    path("cases/<uuid:case_id>/tasks/", views.case_task, name="cases-task"),
    path(
        "cases/<uuid:case_id>/tasks/<uuid:task_id>/done/", views.task_done, name="cases-task-done"
    ),
    path("cases/<uuid:case_id>/assign/", views.case_assign, name="cases-assign"),
    path("cases/<uuid:case_id>/unassign/", views.case_unassign, name="cases-unassign"),
    path("cases/<uuid:case_id>/vetting/", views.case_vetting, name="cases-vetting"),
    path(
        "cases/<uuid:case_id>/vetting/decide/",
        views.case_vetting_decide,
        name="cases-vetting-decide",
    ),
    path("cases/<uuid:case_id>/relocation/", views.case_relocation, name="cases-relocation"),
    path("cases/<uuid:case_id>/documents/", views.case_document, name="cases-document"),
    path(
        "cases/<uuid:case_id>/documents/update/",
        views.case_document_update,
        name="cases-document-update",
    ),
    path("cases/<uuid:case_id>/approvals/", views.case_approval, name="cases-approval-request"),
    path("exposure/", views.exposure, name="cases-exposure"),
]
