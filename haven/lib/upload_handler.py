"""An upload handler that never writes a plaintext byte to disk (issue 14, finding 6).

Django's default handlers spool any upload over FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) to a named
temporary file: the person's photo or document, in plaintext, in the system temp directory, until
the request ends, and then only unlinked, its blocks left on the disk. Invariant 1 forbids that.
Haven reads every accepted file into memory anyway (to inspect it and seal it), so this handler
keeps each file in memory from the first byte, and bounds the whole request instead: a body larger
than HAVEN_UPLOAD_MAX_REQUEST_BYTES is refused before a byte of it is read (the portal answers
with its translated "too large" page, other views with 400), so memory per request stays bounded.
nginx refuses larger bodies before they reach Django (deploy/nginx-haven.conf).
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class MemoryOnlyUploadHandler(FileUploadHandler):
    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],  # noqa: N803  (Django's name)
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        if content_length > settings.HAVEN_UPLOAD_MAX_REQUEST_BYTES:
            raise RequestDataTooBig("request body over HAVEN_UPLOAD_MAX_REQUEST_BYTES")

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.file = io.BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.file.write(raw_data)

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.file.seek(0)
        return InMemoryUploadedFile(
            file=self.file,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
