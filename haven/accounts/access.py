"""Who may call a staff view. Everything is denied unless a view says otherwise."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from haven.accounts.models import Role, User


def require_role(
    *roles: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """403 unless the signed-in staff member holds one of `roles`. (Sign-in itself is enforced
    for every view by LoginRequiredByDefaultMiddleware.)"""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated or not user.has_role(*roles):  # type: ignore[union-attr]
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.haven_roles = roles  # type: ignore[attr-defined]
        return wrapped

    return decorator


def get_account_for_user(request: HttpRequest, user_id: int) -> User:
    """The one access function for staff accounts: admins and coordinators see accounts;
    a missing id and a forbidden one answer alike. A duress session sees only its own account,
    as a one-person organisation would: the coercer learns no colleague's handle."""
    viewer: User = request.user  # type: ignore[assignment]
    if not viewer.has_role(Role.ADMIN, Role.COORDINATOR):
        raise Http404
    if request.keyring.duress and user_id != viewer.pk:  # type: ignore[attr-defined]
        raise Http404
    account = User.objects.filter(pk=user_id).first()
    if account is None:
        raise Http404
    return account
