"""The append-only, hash-chained audit log. It never holds identifying data: ids and codes only."""

from __future__ import annotations

from django.db import models


class AuditEvent(models.Model):
    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField()
    # A plain integer, not a foreign key: deleting an account must not rewrite history.
    actor_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=32, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["actor_id", "created_at"]),
            models.Index(fields=["action", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.id} {self.action}"


class AuditHead(models.Model):
    """The newest row's id and hash, so that cutting rows off the end is detected too, and a row
    to lock so that two writers never chain onto the same predecessor."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)


class AuditCheckpoint(models.Model):
    """A record of each signed checkpoint that was issued. This table is *not* a witness (the
    server can rewrite it like any other); it tells the worker when the last one went out and
    gives backups the newest to carry. The witnesses are the copies held elsewhere."""

    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    public_key = models.CharField(max_length=64)
    signature = models.CharField(max_length=128)

    class Meta:
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"checkpoint #{self.seq}"
