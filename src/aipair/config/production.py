"""What production refuses to start with: each problem one line, naming the setting and the fix.

Development generates its secrets per data directory and lets the console and webhooks use plain http;
in production every replica must share the same secrets (set, never generated), browsers may call the
API only from the company's own https origins, and webhooks must use https.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aipair.config import Settings
from aipair.errors import AppError

MIN_SECRET_LENGTH = 32
PLACEHOLDERS = ("change-me", "changeme", "change_me", "replace-me")
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})  # noqa: S104 (names, not a bind)


class UnsafeProductionSettings(AppError):
    """``AIPAIR_ENV=production`` with settings only development may use; ``problems`` lists each."""

    code = "unsafe_production_settings"
    default_message = "The settings are not safe for production"

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def production_problems(settings: Settings) -> list[str]:
    """One line per setting production refuses (none outside production)."""
    if settings.env != "production":
        return []
    problems = []
    if settings.auth.jwt_secret is None:
        problems.append(
            "AIPAIR_AUTH__JWT_SECRET is not set: set it, the same on every replica (e.g. `openssl rand "
            "-base64 48`), or each replica signs sessions the others refuse"
        )
    elif _weak_secret(settings.auth.jwt_secret.get_secret_value()):
        problems.append(
            f"AIPAIR_AUTH__JWT_SECRET is a placeholder or shorter than {MIN_SECRET_LENGTH} characters: "
            "anyone who guesses it signs in as anybody; use `openssl rand -base64 48`"
        )
    placeholders = [
        name
        for name, url in (
            ("AIPAIR_DATABASE_URL", settings.database_url),
            ("AIPAIR_DATABASE_APP_URL", settings.database_app_url),
        )
        if url is not None and _placeholder(url.get_secret_value())
    ]
    if placeholders:
        problems.append(f"{' and '.join(placeholders)} still hold a placeholder password: replace it")
    if settings.secrets_key is None:
        problems.append(
            "AIPAIR_SECRETS_KEY is not set: set it, the same on every replica (`openssl rand -base64 32`), "
            "or secrets sealed by one replica do not open on another"
        )
    loose = [origin for origin in settings.http.cors_origins if _development_origin(origin)]
    if loose:
        problems.append(
            f"AIPAIR_HTTP__CORS_ORIGINS allows {', '.join(loose)}: production allows only https origins of "
            "real hosts (no *, no plain http, no localhost)"
        )
    if settings.webhooks.allow_http:
        problems.append(
            "AIPAIR_WEBHOOKS__ALLOW_HTTP is on: production delivers webhooks over https only (unset it)"
        )
    return problems


def refuse_unsafe_production(settings: Settings) -> None:
    """Raise :class:`UnsafeProductionSettings` when :func:`production_problems` finds any."""
    problems = production_problems(settings)
    if problems:
        raise UnsafeProductionSettings(problems)


def _development_origin(origin: str) -> bool:
    if origin.strip() in ("*", "null"):
        return True
    parts = urlsplit(origin.strip())
    return parts.scheme != "https" or (parts.hostname or "") in LOCAL_HOSTS or not parts.hostname


def _placeholder(value: str) -> bool:
    return any(word in value.lower() for word in PLACEHOLDERS)


def _weak_secret(value: str) -> bool:
    return len(value) < MIN_SECRET_LENGTH or _placeholder(value)
