"""Settings: the one place that reads the environment (prefix BACKBEAT_)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "development-secret-change-me"  # noqa: S105 - refused outside development


class Settings(BaseSettings):
    """Everything Backbeat can be configured with; built once at the edge and passed in."""

    model_config = SettingsConfigDict(env_prefix="BACKBEAT_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str | None = Field(
        default=None, description="Owner connection (migrations, CLI, jobs); absent: embedded."
    )
    api_database_url: str | None = Field(
        default=None, description="The API's login role; absent: database_url as backbeat_api."
    )
    redis_url: str | None = None
    data_dir: Path = Path(".backbeat")
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    run_worker: bool = True
    worker_concurrency: int = Field(default=4, ge=1, le=64)
    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"
    access_log: bool = Field(
        default=False, description="One uvicorn log line per request (costs CPU per request)."
    )
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    db_pool_size: int = Field(default=10, ge=1, le=200)
    prepared_reads: bool = Field(
        default=True, description="Prepare hot reads per connection; false behind PgBouncer."
    )
    storage_backend: Literal["local", "s3"] = Field(
        default="local", description="Where media bytes live: the data dir (media/), or S3."
    )
    s3_endpoint_url: str | None = Field(
        default=None, description="An S3-compatible endpoint (MinIO, R2, …); absent: AWS S3."
    )
    s3_bucket: str = Field(default="backbeat-media", description="The bucket blobs live in.")
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = Field(
        default=None, description="Absent: boto3's own chain (environment, profile, IAM role)."
    )
    s3_secret_access_key: SecretStr | None = None
    s3_prefix: str = Field(default="blobs/", description="Key prefix of every blob.")
    s3_multipart_threshold_bytes: int = Field(
        default=64 * 1024**2, ge=5 * 1024**2, description="Larger blobs upload in parts."
    )
    s3_multipart_part_bytes: int = Field(
        default=16 * 1024**2, ge=5 * 1024**2, description="The size of each uploaded part."
    )
    media_quota_bytes: int = Field(
        default=10 * 1024**3, ge=0, description="Bytes each user may store in each bucket."
    )
    signed_url_ttl_seconds: int = Field(default=3600, ge=1, description="Default signed URL life.")
    signed_url_max_ttl_seconds: int = Field(default=7 * 86400, ge=1)
    tus_expiry_seconds: int = Field(
        default=86400, ge=60, description="An unfinished resumable upload is dropped after this."
    )
    max_image_pixels: int = Field(default=50_000_000, ge=1)

    # Identity (docs/auth.md): every key below derives from secret_key through HKDF purposes.
    previous_secret_keys: list[SecretStr] = Field(
        default_factory=list, description="Old secret keys still accepted (key rotation)."
    )
    public_domain: str = Field(
        default="localhost:8000", description="The domain sign-in messages name (SIWE domain)."
    )
    public_base_url: str = "http://localhost:8000"
    access_token_ttl_seconds: int = Field(default=900, ge=60, le=3600)
    refresh_token_ttl_days: int = Field(default=30, ge=1, le=365)
    device_token_ttl_days: int = Field(default=365, ge=1, le=3650)
    wallet_challenge_ttl_seconds: int = Field(default=600, ge=60, le=3600)
    email_token_ttl_minutes: int = Field(default=60, ge=5, le=7 * 24 * 60)
    rate_limit_ip_per_minute: int = Field(default=30, ge=1)
    rate_limit_account_per_15_minutes: int = Field(default=10, ge=1)
    lockout_threshold: int = Field(default=5, ge=1, description="Failures before a lockout.")
    lockout_base_seconds: int = Field(default=60, ge=1)

    # Catalog (docs/catalog.md).
    max_split_presets: int = Field(default=3, ge=1, le=100, description="Split presets per user.")
    split_consent_required: bool = Field(
        default=False, description="A new sheet version waits for every user payee's approval."
    )
    max_lineage_depth: int = Field(default=16, ge=1, le=64, description="Deepest lineage query.")
    import_max_rows: int = Field(default=10_000, ge=1, description="Rows in one CSV import.")

    # Royalties (docs/royalties.md): amounts are integers in each asset's minor unit.
    royalty_assets: dict[str, int] = Field(
        default_factory=lambda: {"USD": 2, "EUR": 2, "STX": 6, "ETH": 18, "USDC": 6},
        description="Asset code → number of decimals of its minor unit.",
    )
    royalty_fee_ppm: dict[str, int] = Field(
        default_factory=dict, description="Platform fee per revenue source, in ppm (default 0)."
    )
    royalty_composition_ppm: dict[str, int] = Field(
        default_factory=dict,
        description="Composition sheet's part per revenue source, in ppm (default 500000).",
    )
    royalty_max_depth: int = Field(default=8, ge=0, le=64, description="Deepest remix chain paid.")
    royalty_minimum_payout: dict[str, int] = Field(
        default_factory=lambda: {"USD": 1000, "EUR": 1000, "STX": 1_000_000, "USDC": 10_000_000},
        description="Smallest payout per asset, in minor units (absent: 1).",
    )
    royalty_batch_size: int = Field(default=5000, ge=1, le=100_000)
    listenbrainz_rate_limit_per_token: int = Field(
        default=50, ge=1, description="/1/ requests per window for a caller with a valid token."
    )
    listenbrainz_rate_limit_per_ip: int = Field(
        default=30, ge=1, description="/1/ requests per window for a caller without one."
    )
    listenbrainz_rate_limit_window_seconds: int = Field(default=10, ge=1, le=3600)
    listening_play_min_ms: int = Field(
        default=30_000, ge=0, description="Below this (and half the track) a listen is no play."
    )
    listening_plays_lag_seconds: int = Field(
        default=120, ge=0, description="The plays job stays this far behind the newest listens."
    )
    listening_trending_half_life_days: float = Field(default=7.0, gt=0, le=365)
    listening_partition_months_ahead: int = Field(
        default=3, ge=1, le=24, description="Monthly listen partitions the daily job makes ahead."
    )

    # Offerings (docs/offerings.md).
    offerings_purchase_hold_seconds: int = Field(
        default=900, ge=1, le=7 * 86400, description="An unpaid external purchase holds its shares."
    )
    offerings_max_shares_per_buyer: int = Field(
        default=100, ge=1, description="Shares one buyer may hold reserved or paid per offering."
    )

    # Studio (docs/studio.md).
    studio_max_document_bytes: int = Field(
        default=8 * 1024**2, ge=1024, description="Largest project document, in bytes of JSON."
    )
    studio_checkpoint_every: int = Field(
        default=50, ge=1, le=10_000, description="A full document every N versions."
    )
    studio_auto_snapshot_minutes: int = Field(
        default=10, ge=1, description="An auto snapshot after this many minutes of edits."
    )
    studio_presence_timeout_seconds: int = Field(
        default=30, ge=2, le=600, description="A silent live socket is closed (4408) after this."
    )
    studio_max_preset_bytes: int = Field(
        default=64 * 1024, ge=256, description="Largest plugin preset parameters, in bytes."
    )
    studio_recall_half_life_days: float = Field(
        default=30.0, gt=0, description="Mixx Recall evidence loses half its weight in this time."
    )
    # Billing (docs/billing.md): Stripe drives subscriptions; without a key only manual grants.
    stripe_api_key: SecretStr | None = Field(
        default=None, description="Stripe secret key (sk_…); absent: checkout is unavailable."
    )
    stripe_webhook_secret: SecretStr | None = Field(
        default=None, description="The Stripe webhook endpoint's signing secret (whsec_…)."
    )
    stripe_api_base: str | None = Field(
        default=None, description="Another Stripe API address (stripe-mock, a test fake)."
    )
    billing_success_url: str = Field(
        default="http://localhost:8000/billing/success", description="Checkout's return page."
    )
    billing_cancel_url: str = Field(
        default="http://localhost:8000/billing/cancel", description="Checkout's back page."
    )
    # Taste (docs/taste.md).
    taste_half_life_days: float = Field(
        default=30.0,
        gt=0,
        le=3650,
        description="A play, like or skip loses half its pull on taste.",
    )
    taste_recent_days: int = Field(
        default=14, ge=0, le=365, description="Tracks heard this recently are not recommended."
    )
    taste_recall_queries: int = Field(
        default=50, ge=1, le=1000, description="Queries the recall monitor samples per model."
    )

    # Generation and bands (docs/taste-generation.md).
    generation_source_share_ppm: int = Field(
        default=0,
        ge=0,
        le=1_000_000,
        description="Share of a generated track's revenue each source gets, in parts per million.",
    )
    generation_max_seconds: int = Field(
        default=120, ge=1, le=600, description="Longest track a generation may ask for."
    )
    generation_bucket: str = Field(
        default="project-audio", description="Media bucket (private) generated audio is stored in."
    )
    generation_style_model: str = Field(
        default="backbeat-audio-v1", description="Embedding model a band's style is the mean of."
    )

    # Outbound webhooks (docs/webhooks.md).
    webhook_allowed_hosts: str = Field(
        default="", description="Comma-separated hosts that may resolve to private addresses."
    )
    webhook_retry_schedule_seconds: list[Annotated[float, Field(ge=0, le=86400)]] = Field(
        default_factory=lambda: [5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0],
        max_length=20,
        description="Wait before each retry after a failed attempt (Standard Webhooks' schedule).",
    )
    webhook_retry_jitter: float = Field(
        default=0.1, ge=0, le=0.5, description="Each wait varies randomly by up to this fraction."
    )
    webhook_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    webhook_max_endpoints: int = Field(default=10, ge=1, le=1000, description="Per user.")
    webhook_event_retention_days: int = Field(default=30, ge=1, le=3650)

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        """A default secret in production would let anyone mint tokens."""
        if self.environment == "production" and self.secret_key.get_secret_value() in {
            DEFAULT_SECRET,
            "",
        }:
            raise ValueError("BACKBEAT_SECRET_KEY must be set to a real secret in production")
        if self.environment == "production" and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("BACKBEAT_SECRET_KEY must be at least 32 characters in production")
        return self

    @property
    def media_dir(self) -> Path:
        """The local storage backend's root."""
        return self.data_dir / "media"

    @property
    def is_development(self) -> bool:
        """Destructive commands (db reset) are allowed only here."""
        return self.environment in {"development", "test"}

    @property
    def webhook_allowed_host_set(self) -> frozenset[str]:
        """BACKBEAT_WEBHOOK_ALLOWED_HOSTS as lower-case host names."""
        return frozenset(
            h.strip().lower() for h in self.webhook_allowed_hosts.split(",") if h.strip()
        )
