"""The door of the ops app: everything another domain app may use from it.

Other rooms import ops only from here (contract "domain-public-modules" in pyproject.toml,
docs/architecture.md): the translated messages for a refused upload, so that every upload form
explains a refusal in the same words."""

from haven.ops.uploads import MESSAGES as UPLOAD_MESSAGES
from haven.ops.uploads import problem_messages as upload_problem_messages

__all__ = ["UPLOAD_MESSAGES", "upload_problem_messages"]
