"""Authorisation matrix rows for this app's URLs (format: haven/testing/authz.py).

Columns: anonymous outsider operator caseworker coordinator lawyer docofficer admin.
`login` is a redirect to the sign-in page. URLs without a FIXTURES entry are called with
parameters naming nothing, so their object rows show what a missing object gives.
"""

from __future__ import annotations

# fmt: off
EXPECT = {
    "intake-home": {
        "GET": "200    200    200    200    200    200    200    200",
        "POST": "405    405    405    405    405    405    405    405",
        "PUT": "405    405    405    405    405    405    405    405",
        "DELETE": "405    405    405    405    405    405    405    405",
    },
    "intake-help": {
        "GET": "200    200    200    200    200    200    200    200",
        "POST": "400    400    400    400    400    400    400    400",
        "PUT": "405    405    405    405    405    405    405    405",
        "DELETE": "405    405    405    405    405    405    405    405",
    },
    "intake-enter": {
        "GET": "200    200    200    200    200    200    200    200",
        "POST": "200    200    200    200    200    200    200    200",
        "PUT": "405    405    405    405    405    405    405    405",
        "DELETE": "405    405    405    405    405    405    405    405",
    },
    "intake-inbox": {
        "GET": "302    302    302    302    302    302    302    302",
        "POST": "405    405    405    405    405    405    405    405",
        "PUT": "405    405    405    405    405    405    405    405",
        "DELETE": "405    405    405    405    405    405    405    405",
    },
    "intake-write": {
        "GET": "405    405    405    405    405    405    405    405",
        "POST": "302    302    302    302    302    302    302    302",
        "PUT": "405    405    405    405    405    405    405    405",
        "DELETE": "405    405    405    405    405    405    405    405",
    },
    "intake-leave": {
        "GET": "405    405    405    405    405    405    405    405",
        "POST": "302    302    302    302    302    302    302    302",
        "PUT": "405    405    405    405    405    405    405    405",
        "DELETE": "405    405    405    405    405    405    405    405",
    },
    "intake-triage": {
        "GET": "login  403    200    403    200    403    403    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "intake-triage-setup": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    302    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "intake-triage-detail": {
        "GET": "login  403    404    403    404    403    403    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "intake-triage-urgency": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    404    403    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "intake-triage-reply": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    404    403    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "intake-triage-open-case": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    404    403    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "intake-triage-attachment": {
        "GET": "login  403    404    403    404    403    403    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "intake-triage-rules": {
        "GET": "login  403    403    403    200    403    403    403",
        "POST": "login  403    403    403    400    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "intake-canned-list": {
        "GET": "login  403    403    403    200    403    403    403",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "intake-canned-new": {
        "GET": "login  403    403    403    200    403    403    403",
        "POST": "login  403    403    403    400    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "intake-canned-edit": {
        "GET": "login  403    403    403    404    403    403    403",
        "POST": "login  403    403    403    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "intake-canned-delete": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    403    403    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "intake-triage-claim": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    404    403    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "intake-triage-release": {
        "GET": "login  405    405    405    405    405    405    405",
        "POST": "login  403    404    403    404    403    403    403",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
    "intake-exit": {
        "GET": "302    302    302    302    302    302    302    302",
        "POST": "405    405    405    405    405    405    405    405",
        "PUT": "405    405    405    405    405    405    405    405",
        "DELETE": "405    405    405    405    405    405    405    405",
    },
}
# fmt: on
