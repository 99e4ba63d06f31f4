"""Sign-in by unwrapping the staff member's private key: if Argon2id(password) opens it, the
password is right. The duress password is checked every time too, so that both paths cost the
same and an observer cannot tell them apart by timing."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.hashers import check_password, make_password

from haven.accounts.models import User
from haven.vault.userkeys import burn_time_like_a_login, unwrap_user_key


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return make_password("haven-no-duress-password-set")


def check_duress(user: User, password: str) -> bool:
    encoded = user.duress_password or _dummy_hash()
    matched = check_password(password, encoded)
    return matched and bool(user.duress_password)


class VaultKeyBackend(BaseBackend):
    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not username or password is None:
            return None
        user = User.objects.filter(username__iexact=username.strip(), is_active=True).first()
        if user is None:
            burn_time_like_a_login()
            check_password(password, _dummy_hash())
            return None
        private_key = unwrap_user_key(user, password)
        duress = check_duress(user, password)
        if private_key is not None:
            user.haven_private_key = private_key
            user.haven_duress = False
            return user
        if duress:
            user.haven_private_key = None
            user.haven_duress = True
            return user
        return None

    def get_user(self, user_id: Any) -> User | None:
        return User.objects.filter(pk=user_id, is_active=True).first()
