"""Authorisation matrix rows for this app's URLs (format: haven/testing/authz.py).

Columns: anonymous outsider operator caseworker coordinator lawyer docofficer admin.
`login` is a redirect to the sign-in page. URLs without a FIXTURES entry are called with
parameters naming nothing, so their object rows show what a missing object gives.
"""

from __future__ import annotations

# fmt: off
EXPECT = {
    "safety-checkin": {
        "GET": "302    302    302    302    302    302    302    302",
        "POST": "302    302    302    302    302    302    302    302",
        "PUT": "405    405    405    405    405    405    405    405",
        "DELETE": "405    405    405    405    405    405    405    405",
    },
    "safety-board": {
        "GET": "login  200    403    200    200    200    403    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-roster": {
        "GET": "login  403    403    403    200    403    403    403",
        "POST": "login  403    403    403    400    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-channels": {
        "GET": "login  200    200    200    200    200    200    200",
        "POST": "login  400    400    400    400    400    400    400",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-channel-delete": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    404    404    404    404    404    404",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-incident": {
        "GET": "login  404    403    404    404    404    403    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-incident-ack": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    404    404    404    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-incident-resolve": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    404    404    404    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-watch-edit": {
        "GET": "login  404    403    404    404    403    403    403",
        "POST": "login  404    403    404    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-staff-checkin": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    404    404    404    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-houses": {
        "GET": "login  200    403    200    200    403    403    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-house-create": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    400    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-house": {
        "GET": "login  404    403    404    404    403    403    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-house-place": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    404    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-house-disclose": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-house-compromised": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    404    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-watch-pause": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    404    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-shift-remove": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-placement-end": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  404    403    404    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "safety-house-status": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
}
# fmt: on
