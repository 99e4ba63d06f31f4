"""The shared personas every view test uses, and a client signed in through the real login."""

from __future__ import annotations

from dataclasses import dataclass

from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts.actions import create_staff_user
from haven.accounts.models import User
from haven.vault.keyring import Keyring
from haven.vault.userkeys import unwrap_user_key

PASSWORD = "correct horse battery staple"


def make_staff(username: str, *roles: str, password: str = PASSWORD) -> User:
    return create_staff_user(
        actor=None, username=username, roles=list(roles), password=password
    ).user


def current_code(user: User) -> str:
    device = TOTPDevice.objects.get(user=user)
    # django-otp refuses a code it has already accepted; tests sign in many times a minute.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def sign_in(client: Client, user: User, password: str = PASSWORD) -> Client:
    response = client.post(
        "/staff/login/",
        {"username": user.username, "password": password, "otp_token": current_code(user)},
    )
    assert response.status_code == 302, (
        f"sign-in failed for {user.username}: {response.status_code}"
    )
    return client


def keyring_for(user: User, password: str = PASSWORD) -> Keyring:
    private_key = unwrap_user_key(user, password)
    assert private_key is not None
    return Keyring(user, private_key)


@dataclass
class Personas:
    operator: User
    caseworker: User
    coordinator: User
    coordinator2: User
    lawyer: User
    docofficer: User
    admin: User
    outsider: User  # a caseworker who holds no grant to anything

    def all(self) -> dict[str, User]:
        return dict(self.__dict__)
