"""Evidence views: incidents, testimony, files and their custody, redaction review, export.

Staff only: documentation officers and lawyers. Each object is loaded through its access
function (404 for missing and not-yours alike); each write is an action; a refused or invalid
form comes back with what was typed and a translated message (400), never a 500.

The views live one module per room (incidents, testimonies, attachments, export); urls.py
imports them from there."""

from haven.accounts.models import Role

ROLES = (Role.DOCUMENTATION, Role.LAWYER)
