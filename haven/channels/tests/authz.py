"""Authorisation matrix rows for this app's URLs (format: haven/testing/authz.py).

Columns: anonymous outsider operator caseworker coordinator lawyer docofficer admin."""

from __future__ import annotations

# fmt: off
EXPECT = {
    # Public on purpose (providers have no account): a channel that does not exist and a bad
    # signature get the same 403.
    "channels-webhook": {
        "GET": "405    405    405    405    405    405    405    405",
        "POST": "403    403    403    403    403    403    403    403",
        "PUT": "405    405    405    405    405    405    405    405",
        "DELETE": "405    405    405    405    405    405    405    405",
    },
    "channels-list": {
        "GET": "login  403    403    403    200    403    403    200",
        "POST": "login  405    405    405    405    405    405    405",
        "PUT": "login  405    405    405    405    405    405    405",
        "DELETE": "login  405    405    405    405    405    405    405",
    },
}
# fmt: on
