"""Settings, read once at start from the environment and `.env`, then passed down.

Nothing below `graph/app.py` and `graph/cli` reads the environment: everything
else receives a `Settings` instance.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    # Empty variables count as unset, so a copied .env.example with blanks means "defaults".
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True, env_ignore_empty=True)

    environment: Literal["development", "production"] = "development"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # Database. Unset: the server starts a private PostgreSQL under data_dir.
    database_url: str | None = None
    db_pool_min: int = Field(default=1, ge=0)
    db_pool_max: int = Field(
        default=10, ge=1, validation_alias=AliasChoices("DB_POOL_MAX", "PG_POOL_MAX", "db_pool_max")
    )
    db_command_timeout: float = Field(default=30.0, gt=0)
    data_dir: Path = Path(".data")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    # The URL clients reach this server at; used for links in mails and local file URLs.
    public_url: str | None = None

    # Sessions and passwords.
    session_ttl_seconds: int = Field(default=7 * 24 * 3600, gt=0)
    session_refresh_seconds: int = Field(default=24 * 3600, ge=0)
    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_memory_kib: int = Field(default=19 * 1024, ge=8)
    argon2_parallelism: int = Field(default=1, ge=1)
    verification_ttl_seconds: int = Field(default=3600, gt=0)
    seed_admin_password: SecretStr | None = None

    # Mail: "log" (development), "memory" (tests) or "smtp".
    # Unset: "log" in development, "smtp" in production (where "log" is refused: it prints links).
    mail_backend: Literal["log", "memory", "smtp"] | None = None
    mail_from: str = "no-reply@example.com"
    smtp_host: str = "localhost"
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True

    # Abuse limits (see API.md).
    signin_fail_per_account: int = 10
    signin_fail_per_address: int = 50
    signin_fail_window_seconds: int = 15 * 60
    reset_requests_per_email: int = 5
    reset_window_seconds: int = 3600
    trust_forwarded_for: bool = False

    # Files: S3 when s3_bucket is set, else local disk under data_dir/files.
    s3_endpoint_url: str | None = None
    s3_bucket: str | None = None
    s3_region: str = "us-east-1"
    aws_access_key_id: str | None = None
    aws_secret_access_key: SecretStr | None = None
    s3_force_path_style: bool = False
    s3_create_bucket: bool = True
    upload_max_bytes: int = Field(default=25 * 1024 * 1024, gt=0)
    download_url_ttl_seconds: int = Field(default=3600, gt=0)
    upload_url_ttl_seconds: int = Field(default=900, gt=0)
    # Signs local-disk URLs; must be set in production.
    url_signing_secret: SecretStr | None = None

    # Query limits (see API.md).
    max_depth: int = 15
    max_aliases: int = 30
    max_tokens: int = 10_000
    max_cost: int = 50_000
    max_batch: int = 10
    max_body_bytes: int = 1024 * 1024
    introspection: bool | None = None
    graphiql: bool | None = None
    persisted_queries_only: bool = False
    # Allow-list for persisted_queries_only: JSON {sha256 hex: query}; default graph/persisted_queries.json.
    persisted_queries_manifest: Path | None = None
    compiled_reads: bool = True

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("postgres://", "postgresql://")):
            raise ValueError("must start with postgres:// or postgresql://")
        return value

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> Settings:
        if self.environment == "production" and self.mail_backend == "log":
            raise ValueError("MAIL_BACKEND=log prints single-use links to the log: development only")
        if self.environment == "production" and self.s3_bucket is None:
            if self.url_signing_secret is None:
                raise ValueError("URL_SIGNING_SECRET is required in production with local file storage")
        return self

    @property
    def mail_sender(self) -> str:
        return self.mail_backend or ("log" if self.development else "smtp")

    @property
    def development(self) -> bool:
        return self.environment == "development"

    @property
    def introspection_enabled(self) -> bool:
        return self.development if self.introspection is None else self.introspection

    @property
    def graphiql_enabled(self) -> bool:
        return self.development if self.graphiql is None else self.graphiql


@lru_cache
def get_settings() -> Settings:
    return Settings()
