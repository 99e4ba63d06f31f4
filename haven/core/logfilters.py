"""Log records that must stay one line and carry nothing a client sent (issue 14, finding 13)."""

from __future__ import annotations

import logging

# Django logs every SuspiciousOperation (a Host header not allowed, a malformed multipart body,
# too many fields...) with the exception's message and a full traceback. The message repeats what
# the client sent (the Host header can be an address), and a traceback per scanner request fills
# the log. What an operator needs is which rule refused the request.
_WHY = {
    "DisallowedHost": "its Host header is not in HAVEN_ALLOWED_HOSTS",
    "RequestDataTooBig": "its body is larger than the configured limit",
    "TooManyFieldsSent": "it has more form fields than DATA_UPLOAD_MAX_NUMBER_FIELDS",
    "TooManyFilesSent": "it has more files than DATA_UPLOAD_MAX_NUMBER_FILES",
}


class OneLineSecurityRecord(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        kind = record.name.rpartition(".")[2]
        why = _WHY.get(kind, "Django judged it suspicious")
        record.msg = "refused a request (400): %s"
        record.args = (why,)
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True
