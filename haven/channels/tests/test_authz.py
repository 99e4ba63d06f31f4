"""This app's rows of the authorisation matrix, run on their own (the full matrix runs them
too), and the public-view list."""

from __future__ import annotations

import pytest

from haven.core.tests.test_authorization_matrix import run_matrix


@pytest.mark.django_db
def test_the_channel_urls_answer_every_persona_as_declared(personas) -> None:
    run_matrix(
        personas,
        only={
            "channels-webhook",
            "channels-list",
            "channels-texts",
            "channels-case-handles",
            "channels-case-handle-remove",
        },
    )
