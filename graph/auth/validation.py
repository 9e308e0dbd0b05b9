"""Input rules for accounts (API.md): email RFC-valid and lower-cased, name 1..100 after trim,
password 8..128. Each raises models.errors.Invalid naming the input field."""

from __future__ import annotations

from collections.abc import Callable

from email_validator import EmailNotValidError, validate_email

from models.errors import Invalid

NAME_MAX = 100
PASSWORD_MIN = 8
PASSWORD_MAX = 128
IMAGE_MAX = 2048


def clean_email(value: str, field: str = "email") -> str:
    """The address as stored and matched: syntax-checked (no DNS lookup), lower-cased."""
    try:
        checked = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise Invalid({field: str(exc)}) from exc
    return checked.normalized.lower()


def clean_name(value: str, field: str = "name") -> str:
    name = value.strip()
    if not 1 <= len(name) <= NAME_MAX:
        raise Invalid({field: f"must be 1 to {NAME_MAX} characters"})
    return name


def check_password(value: str, field: str = "password") -> str:
    if not PASSWORD_MIN <= len(value) <= PASSWORD_MAX:
        raise Invalid({field: f"must be {PASSWORD_MIN} to {PASSWORD_MAX} characters"})
    return value


def clean_image(value: str | None, field: str = "image") -> str | None:
    """An image URL, or None to clear it (an empty string clears it too)."""
    if value is None or not value.strip():
        return None
    image = value.strip()
    if len(image) > IMAGE_MAX or not image.startswith(("https://", "http://")):
        raise Invalid({field: f"must be an http(s) URL of at most {IMAGE_MAX} characters"})
    return image


def validated(*checks: Callable[[], str]) -> list[str]:
    """Run every check and return their values, or raise one Invalid naming every bad field."""
    values: list[str] = []
    problems: dict[str, str] = {}
    for check in checks:
        try:
            values.append(check())
        except Invalid as exc:
            problems.update(exc.fields)
    if problems:
        raise Invalid(problems)
    return values
