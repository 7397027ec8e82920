"""Typed readers for settings that come from the environment; each fails loudly on bad input."""

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, fallback_file: Path, *, generate: Callable[[], str] | None = None) -> str:
    """Read NAME, or the file named by NAME_FILE, or a key kept in fallback_file.

    The fallback lets a fresh clone run `make demo` with a strong key that survives restarts
    without anyone typing one; production sets NAME or NAME_FILE.
    """
    value = os.environ.get(name)
    if value:
        return value
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    if fallback_file.exists():
        return fallback_file.read_text(encoding="utf-8").strip()
    fallback_file.parent.mkdir(parents=True, exist_ok=True)
    key = generate() if generate else secrets.token_urlsafe(64)
    fallback_file.write_text(key, encoding="utf-8")
    fallback_file.chmod(0o600)
    return key
