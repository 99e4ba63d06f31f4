from django.urls import path

from haven.partners import views

# Under /staff/ (haven/urls.py).
urlpatterns = [
    path("partners/", views.incoming_list, name="partners-incoming"),
    path("partners/upload/", views.incoming_upload, name="partners-incoming-upload"),
    path(
        "partners/received/<uuid:incoming_id>/",
        views.incoming_detail,
        name="partners-incoming-detail",
    ),
    path(
        "partners/received/<uuid:incoming_id>/decide/",
        views.incoming_decide,
        name="partners-incoming-decide",
    ),
    path(
        "partners/received/<uuid:incoming_id>/complete/",
        views.incoming_complete,
        name="partners-incoming-complete",
    ),
    path(
        "partners/received/<uuid:incoming_id>/destroy/",
        views.incoming_destroy,
        name="partners-incoming-destroy",
    ),
    path("partners/directory/", views.directory, name="partners-directory"),
    path("partners/directory/new/", views.partner_edit, name="partners-new"),
    path("partners/directory/<uuid:partner_id>/", views.partner_edit, name="partners-edit"),
    path("partners/keys/", views.keys_set_up, name="partners-keys-set-up"),
    path("partners/keys/share/", views.keys_share, name="partners-keys-share"),
    path("partners/case/<uuid:case_id>/", views.case_partners, name="partners-case"),
    path("partners/case/<uuid:case_id>/consent/", views.consent_new, name="partners-consent-new"),
    path(
        "partners/consent/<uuid:consent_id>/withdraw/",
        views.consent_withdraw,
        name="partners-consent-withdraw",
    ),
    path("partners/case/<uuid:case_id>/refer/", views.referral_new, name="partners-referral-new"),
    path("partners/sent/<uuid:referral_id>/", views.referral_detail, name="partners-referral"),
    path(
        "partners/sent/<uuid:referral_id>/send/", views.referral_send, name="partners-referral-send"
    ),
    path(
        "partners/sent/<uuid:referral_id>/revoke/",
        views.referral_revoke,
        name="partners-referral-revoke",
    ),
    path("partners/package/<uuid:envelope_id>/", views.envelope_download, name="partners-package"),
    path(
        "partners/package/<uuid:envelope_id>/deliver/",
        views.envelope_deliver,
        name="partners-package-deliver",
    ),
]

# At the root: where a partner's Haven delivers packages (public, authenticated by signature).
inbox_urlpatterns = [
    path("partners/inbox/", views.inbox, name="partners-inbox"),
]
