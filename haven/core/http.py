"""The request type Haven's views see: Django's, plus the signed-in user and the keyring."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from haven.accounts.models import User
    from haven.vault.keyring import Keyring


class HavenRequest(HttpRequest):
    """For type checking only: views annotate `request: HavenRequest`."""

    user: User
    keyring: Keyring
    from_monitoring_network: bool  # NoClientAddressMiddleware: HAVEN_HEALTHZ_NETWORKS
