"""SECRET_KEY: a development default, refused when PROFILE=scale."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from crm_backend.settings import Settings


def test_development_has_a_default_key():
    assert len(Settings().secret_key.get_secret_value()) >= 32


@pytest.mark.parametrize("given", [None, "", "   "])
def test_scale_refuses_the_default(monkeypatch, given):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    kwargs = {} if given is None else {"secret_key": given}
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(profile="scale", **kwargs)


def test_scale_accepts_an_explicit_key(monkeypatch):
    monkeypatch.setenv("PROFILE", "scale")
    monkeypatch.setenv("SECRET_KEY", "a-long-production-secret-value-123")
    settings = Settings()
    assert settings.secret_key.get_secret_value() == "a-long-production-secret-value-123"
    assert "production" not in repr(settings), "the key is never printed"
