"""URL map. `/` belongs to the public portal; everything staff lives under `/staff/`.
Every view requires a signed-in staff member unless marked @login_not_required (tested)."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from django.views.decorators.http import require_http_methods, require_safe
from django.views.i18n import set_language
from django.views.static import serve

from haven.channels.urls import public_urlpatterns as channel_hooks
from haven.intake.urls import portal_urlpatterns
from haven.intake.urls import staff_urlpatterns as intake_staff
from haven.partners.urls import inbox_urlpatterns as partners_inbox
from haven.safety.urls import portal_urlpatterns as safety_portal

urlpatterns = [
    path("", include(portal_urlpatterns)),
    path("staff/", include(intake_staff)),
    path("", include(safety_portal)),
    path("staff/", include("haven.safety.urls")),
    path("", include(channel_hooks)),
    path("staff/", include("haven.channels.urls")),
    path("staff/", include("haven.cases.urls")),
    path("staff/", include("haven.missing.urls")),
    path("staff/", include("haven.evidence.urls")),
    path("staff/", include("haven.reports.urls")),
    path("staff/", include("haven.accounts.urls")),
    path("staff/", include("haven.core.urls")),
    path("staff/", include("haven.ops.urls")),
    path("staff/", include("haven.partners.urls")),
    path("", include(partners_inbox)),
    path("staff/", include("haven.linkage.urls")),
    # Django's own views answer any method; only the ones they are for are allowed here.
    path(
        "i18n/setlang/",
        login_not_required(require_http_methods(["GET", "POST"])(set_language)),
        name="set-language",
    ),
]

if settings.HAVEN_SERVE_STATIC:
    urlpatterns += [
        re_path(
            r"^static/(?P<path>.*)$",
            login_not_required(require_safe(serve)),
            {"document_root": settings.BASE_DIR / "static"},
        ),
    ]

handler400 = "haven.core.views.bad_request"
handler403 = "haven.core.views.permission_denied"
handler404 = "haven.core.views.not_found"
handler500 = "haven.core.views.server_error"
