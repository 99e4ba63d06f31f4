"""Authorisation matrix rows for this app's URLs (format: haven/testing/authz.py).

Columns: anonymous outsider operator caseworker coordinator lawyer docofficer admin.
`login` is a redirect to the sign-in page. URLs without a FIXTURES entry are called with
parameters naming nothing, so their object rows show what a missing object gives.
"""

from __future__ import annotations

# fmt: off
EXPECT = {
    "core-home": {
        "GET": "login  200    200    200    200    200    200    200",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "core-notifications": {
        "GET": "login  200    200    200    200    200    200    200",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "core-notifications-read": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  302    302    302    302    302    302    302",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "set-language": {
        "GET": "302    302    302    302    302    302    302    302",
        "POST": "302    302    302    302    302    302    302    302",
        "PUT": "405    405    405    405    405    405    405    405",
        "DELETE": "405    405    405    405    405    405    405    405",
    },
    "django.views.static.serve": {
        "GET": "200    200    200    200    200    200    200    200",
        "POST": "405    405    405    405    405    405    405    405",
        "PUT": "405    405    405    405    405    405    405    405",
        "DELETE": "405    405    405    405    405    405    405    405",
    },
}
# fmt: on
