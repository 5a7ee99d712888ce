"""Settings: the only module that reads the environment.

Every option is a ``MINSHENG_``-prefixed environment variable (or a line in ``.env``).
The defaults give the embedded mode: a SQLite file under ``./var/``, in-process dialogue
state and the web channel on 127.0.0.1:8080.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Typed configuration of one gateway process."""

    model_config = SettingsConfigDict(
        env_prefix="MINSHENG_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    public_url: str = "http://127.0.0.1:8080"

    var_dir: Path = Path("var")
    database_url: str = ""
    redis_url: str = ""

    training_data_dir: Path = PROJECT_ROOT / "training_data"
    # Sensor alarm rules (bot/intake/alarms), a YAML file staff read; unset: the
    # training data's alarm_rules.yml, beside the service catalog.
    alarm_rules_file: Path | None = None
    # Most readings one POST /intake/v1/alarms may carry.
    alarm_batch_max: int = Field(1000, ge=1, le=100_000)
    model_dir: Path = Path("var/models")
    nlu_fallback_threshold: float = Field(0.35, ge=0.0, le=1.0)
    nlu_ambiguity_threshold: float = Field(0.08, ge=0.0, le=1.0)
    # Parses below this confidence are kept (masked) for trainers to review.
    nlu_review_threshold: float = Field(0.6, ge=0.0, le=1.0)
    # Digests of NLU artifacts trained elsewhere that this gateway may load (besides those
    # `minsheng nlu train` and the gateway itself recorded in the database).
    nlu_trusted_digests: list[str] = Field(default_factory=list)
    # "rasa": each message goes to a Rasa server's POST /model/parse first; the embedded
    # model answers whenever Rasa is slower than the timeout, down, or answers garbage.
    nlu_backend: Literal["embedded", "rasa"] = "embedded"
    rasa_url: str = ""
    rasa_timeout_seconds: float = Field(2.0, gt=0, le=30)
    rasa_token: str = ""  # Rasa's --auth-token, if the server was started with one
    # Seconds the embedded model answers alone after a Rasa failure before Rasa is retried.
    rasa_retry_seconds: float = Field(30.0, ge=0)

    load_demo_data: bool = True
    upload_max_bytes: int = Field(10 * 1024 * 1024, gt=0)
    conversation_ttl_seconds: int = Field(30 * 60, gt=0)
    dedupe_ttl_seconds: int = Field(24 * 3600, gt=0)
    # Flows: below this a demand category is confirmed with the resident before it is used.
    flow_category_confirm_threshold: float = Field(0.6, ge=0.0, le=1.0)
    # Flows: in a group chat the bot speaks unasked only for demands at least this sure.
    flow_group_demand_threshold: float = Field(0.75, ge=0.0, le=1.0)

    wechat_token: str = ""
    wechat_app_id: str = ""
    wechat_app_secret: str = ""
    wechat_aes_key: str = ""
    wechat_api_base: str = "https://api.weixin.qq.com"
    # WeCom (企业微信) self-built app for staff (connectors/wecom): on when all of corp id,
    # agent id, secret, callback token and AES key are set.
    wecom_corp_id: str = ""
    wecom_agent_id: int = Field(0, ge=0)
    wecom_secret: str = ""
    wecom_token: str = ""
    wecom_aes_key: str = ""
    wecom_api_base: str = "https://qyapi.weixin.qq.com"
    # Mini-program HTTP API (connectors/miniprogram): on when app id, secret and the key
    # that signs its session tokens are set; code2session goes to MINSHENG_WECHAT_API_BASE.
    mp_app_id: str = ""
    mp_app_secret: str = ""
    mp_session_secret: str = ""
    mp_session_hours: int = Field(7 * 24, gt=0)
    # Subscribe message (订阅消息) template for status pushes; empty: residents read status
    # changes in the mini-program only. Its fields: character_string1 (ticket number),
    # phrase2 (status), thing3 (note); the page opens the ticket.
    mp_subscribe_template_id: str = ""
    mp_subscribe_page: str = "pages/ticket/detail"
    mp_rate_per_minute: int = Field(60, gt=0)
    mp_ip_rate_per_minute: int = Field(300, gt=0)
    # Official Account: answer passively when the dialogue is done within this many seconds
    # (WeChat gives up after 5 and retries), else "success" and a customer-service message.
    wechat_passive_seconds: float = Field(4.0, gt=0, lt=5)
    # Template for status pushes outside the 48-hour customer-service window (error 45015);
    # its fields: first, keyword1 (ticket number), keyword2 (status), keyword3 (time), remark.
    wechat_status_template_id: str = ""
    # Micro-grid group robots: grid code -> webhook URL (JSON object), for announcements.
    wechat_group_webhooks: dict[str, str] = Field(default_factory=dict)
    # Rasa callback channel (connectors/callback): bot messages are POSTed to this URL.
    callback_url: str = ""
    callback_timeout_seconds: float = Field(10.0, gt=0, le=60)
    # Rasa action server (connectors/rasa_actions): on when set; Rasa sends it as ?token=.
    rasa_actions_token: str = ""
    # Telegram bot (connectors/telegram): on when the token is set; the webhook checks the
    # secret token Telegram echoes in X-Telegram-Bot-Api-Secret-Token (required with it).
    telegram_token: str = ""
    telegram_secret: str = ""
    telegram_api_base: str = "https://api.telegram.org"
    # Staff groups: community or street code -> Telegram chat id (JSON object); staff
    # notices of a ticket there go to the group (community first) instead of privately.
    telegram_staff_groups: dict[str, str] = Field(default_factory=dict)
    # Long polling instead of the webhook (set by ``minsheng telegram poll``; a pilot
    # without a public URL).
    telegram_poll: bool = False
    open311_api_keys: list[str] = Field(default_factory=list)
    # The Open311 jurisdiction_id(s) this gateway answers for, comma-separated; a request
    # naming another is a 404. Empty: any jurisdiction_id is accepted (one jurisdiction).
    open311_jurisdiction_id: str = ""
    ticket_cluster_min_reporters: int = Field(5, ge=2)
    ticket_cluster_window_hours: float = Field(24.0, gt=0)
    #: Channels staff notices go to, most wanted first; a person without an id on any of
    #: them is reached on another channel they have.
    ticket_staff_channel: str = "wecom,wechat,telegram"
    # Handoff (转人工): a resident nobody answered within this time is offered a ticket and
    # goes back to the bot; duty hours (China time) are what the resident is told.
    handoff_timeout_seconds: int = Field(600, gt=0)
    handoff_duty_hours: str = "08:30-17:30"
    handoff_duty_days: str = "1-5"

    # Worker processes serving HTTP; more than one needs the shared (Redis) state store.
    workers: int = Field(1, ge=1)
    # Turns (one message through NLU and the dialogue) a worker runs at once; more messages
    # wait for a free turn before they take their conversation's lock. Unbounded, a burst
    # of hundreds of turns slows the event loop so much that conversation-lock leases
    # expire while held and database connections run out.
    max_concurrent_turns: int = Field(16, ge=1)
    # uvloop runs the same server on about 6% less CPU per message (bench/load.py);
    # "asyncio" is the standard library's loop, for debugging.
    event_loop: Literal["uvloop", "asyncio"] = "uvloop"
    # One log line per HTTP request from `serve` (gunicorn workers never write one). Off by
    # default: request lines carry paths and addresses of residents, the privacy filter
    # costs about 8% of a worker's CPU at load, and nginx in front keeps its own log.
    access_log: bool = False
    # Connector modules outside connectors/ (each exposes CONNECTOR), e.g. a deployment's own.
    extra_connectors: list[str] = Field(default_factory=list)
    # How often each worker checks whether the address registry or the service catalog
    # changed, and reloads them (0: never).
    data_reload_seconds: float = Field(30.0, ge=0)
    # Staff console sign-in (bot/staff): sliding idle expiry, hard cap, failed-login lock.
    staff_session_idle_minutes: int = Field(120, gt=0)
    staff_session_max_hours: int = Field(12, gt=0)
    staff_login_max_failures: int = Field(5, ge=1)
    staff_login_window_minutes: int = Field(15, gt=0)
    staff_login_lockout_minutes: int = Field(15, gt=0)

    # Signing secret (web session tokens, hashed client fingerprints); empty: generated
    # once into var_dir/secret_key (bot.server_secret). Set it when workers span hosts.
    secret_key: str = ""
    # Peers whose X-Forwarded-For is believed (the reverse proxy in front of the workers).
    trusted_proxies: list[str] = Field(default_factory=lambda: ["127.0.0.1", "::1"])

    # Rate limits (bot.ratelimit), far above what a person types; 0 switches one off.
    rate_limits_enabled: bool = True
    rate_sender_per_minute: int = Field(40, ge=0)
    rate_ip_per_minute: int = Field(600, ge=0)
    rate_api_key_per_minute: int = Field(600, ge=0)
    rate_upload_per_10_minutes: int = Field(20, ge=0)
    rate_upload_ip_per_10_minutes: int = Field(100, ge=0)
    rate_parse_per_minute: int = Field(600, ge=0)

    # Uploads: at most this many per resident per day (China time); stored files no message
    # attached are deleted after this many hours by a background job.
    upload_max_per_sender_per_day: int = Field(50, ge=1)
    upload_unused_hours: float = Field(24.0, gt=0)

    # Web residents: a signed session token (cookie or X-Minsheng-Session header) names the
    # sender. With this on, a REST message without one is refused (Rasa clients that send a
    # bare sender id must then obtain a token from /webhooks/rest/session first).
    web_require_session: bool = False
    web_session_max_days: int = Field(365, gt=0)

    # Clusters count plausible residents: one client (same hashed IP / session / device)
    # counts at most ``client_cap``; a resident without a verified identity (bound phone,
    # platform account) weighs ``anonymous_weight``; unverified weight per channel is capped
    # (0: no cap); red needs at least two distinct clients.
    ticket_cluster_anonymous_weight: float = Field(0.5, gt=0, le=1)
    ticket_cluster_client_cap: float = Field(1.0, gt=0)
    ticket_cluster_unverified_channel_cap: float = Field(0.0, ge=0)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql", "postgres")):
            raise ValueError("MINSHENG_DATABASE_URL must be a sqlite:// or postgresql:// URL")
        return value

    @field_validator("redis_url")
    @classmethod
    def _known_redis(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("MINSHENG_REDIS_URL must be a redis:// URL")
        return value

    @model_validator(mode="after")
    def _rasa_needs_url(self) -> Self:
        if self.nlu_backend == "rasa" and not self.rasa_url.startswith(("http://", "https://")):
            raise ValueError(
                "MINSHENG_NLU_BACKEND=rasa needs MINSHENG_RASA_URL (http://host:5005)"
            )
        return self

    @property
    def effective_alarm_rules_file(self) -> Path:
        return self.alarm_rules_file or self.training_data_dir / "alarm_rules.yml"

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in ``var_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'minsheng.db').resolve()}"

    @property
    def upload_dir(self) -> Path:
        return self.var_dir / "uploads"


def check_worker_setup(settings: Settings) -> None:
    """Refuse several workers on the in-process state store or on SQLite: each worker would
    keep its own conversations, locks and de-duplication (so a resident's next message could
    land on a worker that never saw the previous one), and SQLite's single writer would make
    the workers queue behind each other's write locks."""
    if settings.workers <= 1:
        return
    if not settings.redis_url:
        raise ConfigError(
            f"多个工作进程（MINSHENG_WORKERS={settings.workers}）必须共享对话状态，"
            "请设置 MINSHENG_REDIS_URL（例如 redis://127.0.0.1:6379/0），"
            "或把 MINSHENG_WORKERS 设为 1。"
            f" / {settings.workers} workers (MINSHENG_WORKERS) need a shared state store: "
            "set MINSHENG_REDIS_URL (e.g. redis://127.0.0.1:6379/0) or use one worker."
        )
    if not settings.effective_database_url.startswith(("postgresql", "postgres")):
        raise ConfigError(
            f"多个工作进程（MINSHENG_WORKERS={settings.workers}）需要 PostgreSQL 数据库，"
            "请设置 MINSHENG_DATABASE_URL（例如 postgresql://user@127.0.0.1/minsheng），"
            "或把 MINSHENG_WORKERS 设为 1（SQLite 只适合单进程）。"
            f" / {settings.workers} workers (MINSHENG_WORKERS) need PostgreSQL: set "
            "MINSHENG_DATABASE_URL to a postgresql:// URL or use one worker (SQLite has a "
            "single writer)."
        )


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, turning validation errors into ConfigError."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"MINSHENG_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(problems) from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
