"""Start-up checks for object storage and the monitoring endpoint: a mistake here must stop
the start, not surface as a failed upload or a 500 for the monitoring system."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security)
def object_storage(app_configs: Any, **kwargs: Any) -> list[Error]:
    mode = settings.HAVEN_STORAGE
    if mode not in {"database", "files", "s3"}:
        return [
            Error(
                f"HAVEN_STORAGE is {mode!r}: it must be database, files or s3.",
                id="haven.E080",
            )
        ]
    if mode == "s3":
        s3 = settings.HAVEN_S3
        missing = [
            name
            for name, key in (
                ("HAVEN_S3_ENDPOINT_URL", "endpoint_url"),
                ("HAVEN_S3_BUCKET", "bucket_name"),
                ("HAVEN_S3_ACCESS_KEY_ID", "access_key"),
                ("HAVEN_S3_SECRET_ACCESS_KEY", "secret_key"),
            )
            if not s3.get(key)
        ]
        if missing:
            return [
                Error(
                    "HAVEN_STORAGE=s3 needs " + ", ".join(missing) + ".",
                    hint="docs/operations.md, section Object storage.",
                    id="haven.E081",
                )
            ]
    return []


@register(Tags.security)
def healthz_networks(app_configs: Any, **kwargs: Any) -> list[Error]:
    bad = []
    for network in settings.HAVEN_HEALTHZ_NETWORKS:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            bad.append(network)
    if bad:
        return [
            Error(
                "HAVEN_HEALTHZ_NETWORKS holds something that is not a network: " + ", ".join(bad),
                hint="Networks in CIDR form, separated by spaces: 127.0.0.0/8 ::1/128",
                id="haven.E082",
            )
        ]
    return []
