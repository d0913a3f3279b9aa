"""Production mode: refuses to start without its secrets, and passes Django's deploy checks."""

from __future__ import annotations

import secrets

from cryptography.fernet import Fernet

from tests.config.processes import aftersales, aftersales_env


def production_env(tmp_path, **values: str) -> dict[str, str]:
    return aftersales_env(tmp_path / "var", AFTERSALES_ENV="production", **values)


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    done = aftersales("check", env=production_env(tmp_path))
    assert done.returncode != 0
    assert "refuses to start without SECRET_KEY" in done.stderr


def test_production_without_personal_data_keys_refuses_to_start(tmp_path):
    env = production_env(tmp_path, SECRET_KEY=secrets.token_urlsafe(50))
    done = aftersales("check", env=env)
    assert done.returncode != 0
    assert "AFTERSALES_PII_KEYS" in done.stderr


def test_production_with_its_settings_passes_the_deploy_checks_without_a_warning(tmp_path):
    env = production_env(
        tmp_path,
        SECRET_KEY=secrets.token_urlsafe(50),
        AFTERSALES_PII_KEYS=Fernet.generate_key().decode(),
        AFTERSALES_PII_HASH_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="aftersales.example.com",
    )
    done = aftersales("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_a_weak_secret_key_fails_the_deploy_checks(tmp_path):
    env = production_env(
        tmp_path,
        SECRET_KEY="too-short",
        AFTERSALES_PII_KEYS=Fernet.generate_key().decode(),
        AFTERSALES_PII_HASH_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="aftersales.example.com",
    )
    done = aftersales("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert done.returncode != 0
    assert "security.W009" in done.stderr
