"""A real S3 endpoint on loopback for the object-storage tests: moto's standalone server (an
HTTP server speaking the S3 protocol, from the `moto[server]` package), started once per test
session on a free port and stopped at the end.

Production runs SeaweedFS, MinIO or Garage (docs/operations.md "Object storage"); SeaweedFS has
no package in PyPI or Debian, which is why the tests use moto's server. Haven's code does not
know the difference: it talks to an endpoint URL through django-storages and boto3.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

ACCESS_KEY = "haven-test"
SECRET_KEY = "haven-test-secret"  # noqa: S105  (a throwaway server on loopback)


@dataclass
class S3Server:
    endpoint_url: str

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
        )

    def make_bucket(self, name: str, *, versioned: bool = True) -> None:
        client = self.client()
        client.create_bucket(Bucket=name)
        if versioned:
            client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})

    def storage_options(self, bucket: str) -> dict[str, Any]:
        return {
            "endpoint_url": self.endpoint_url,
            "bucket_name": bucket,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "region_name": "us-east-1",
            "file_overwrite": False,
            "default_acl": None,
            "addressing_style": "path",
        }

    def every_version(self, bucket: str) -> list[tuple[str, bytes]]:
        """(key, bytes) of every stored version of every object: what the server holds at rest."""
        client = self.client()
        found = []
        listing = client.list_object_versions(Bucket=bucket)
        for version in listing.get("Versions", []):
            body = client.get_object(
                Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"]
            )["Body"].read()
            found.append((version["Key"], body))
        return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running() -> Iterator[S3Server]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield S3Server(endpoint_url=f"http://127.0.0.1:{port}")
    finally:
        server.stop()
