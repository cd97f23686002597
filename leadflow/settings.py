"""Runtime settings: environment (LEADFLOW_*), then config/settings.yaml, then defaults."""

from __future__ import annotations

import os
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from babel.numbers import list_currencies
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from leadflow.config_files import Source, config_error, load_rules, read_yaml
from leadflow.errors import InvalidInput
from leadflow.locales import check_locale
from leadflow.phrases import N_
from leadflow.rules.config import RulesConfig
from leadflow.rules.zones import check_zone
from leadflow.winmodel.config import WinModelSettings

DEFAULT_CONFIG_DIR = Path(str(files("leadflow.config")))


def _settings_yaml() -> list[Path]:
    paths = [DEFAULT_CONFIG_DIR / "settings.yaml"]
    team_dir = os.environ.get("LEADFLOW_CONFIG_DIR")
    if team_dir:
        paths.append(Path(team_dir) / "settings.yaml")
    return [p for p in paths if p.exists()]


class Schedules(BaseModel):
    """When the served deployments run (cron in `timezone`; sweeps in seconds)."""

    model_config = ConfigDict(extra="forbid")

    timezone: str = "UTC"
    intake_sweep_seconds: int = Field(default=60, ge=5)
    # A triggered intake or handoff run keeps taking new work until this long after the
    # event that started it; the trigger starts at most one run per such window, so a
    # burst of events gives a few runs instead of one (cancelled) run per event.
    trigger_window_seconds: int = Field(default=10, ge=0, le=300)
    serve_poll_seconds: float = Field(default=0.25, gt=0, le=60)
    handoff_sweep_seconds: int = Field(default=600, ge=5)
    notifications_seconds: int = Field(default=60, ge=5)
    reminders_cron: str = "0 * * * *"
    regrade_cron: str = "0 5 * * 1"
    review_monthly_cron: str = "0 6 1 * *"
    review_quarterly_cron: str = "0 7 1 1,4,7,10 *"
    win_model_cron: str = "0 4 * * 1"


class Health(BaseModel):
    """What `leadflow status` and GET /health call unhealthy."""

    model_config = ConfigDict(extra="forbid")

    outbox_alert_minutes: int = Field(default=30, ge=1)
    cron_grace_minutes: int = Field(default=10, ge=0)
    scheduler_grace_seconds: int = Field(default=180, ge=5)
    pending_stuck_minutes: int = Field(default=10, ge=1)
    running_stuck_minutes: int = Field(default=120, ge=1)
    cancelling_stuck_minutes: int = Field(default=10, ge=1)
    log_window_minutes: int = Field(default=15, ge=1)
    prefect_timeout_seconds: float = Field(default=5, gt=0)


class ScaleOut(BaseModel):
    """How `leadflow deploy` and `leadflow worker` spread flow runs over a work pool."""

    model_config = ConfigDict(extra="forbid")

    work_pool: str = Field(default="leadflow", min_length=1)
    fan_out: int = Field(default=0, ge=0, le=64)
    fan_out_min_leads: int = Field(default=5000, ge=1)
    poll_seconds: float = Field(default=2.0, gt=0)


class Imports(BaseModel):
    """How `leadflow leads import` reads files and reports on them."""

    model_config = ConfigDict(extra="forbid")

    sample_bytes: int = Field(default=262_144, ge=4096)
    max_cell_chars: int = Field(default=100_000, ge=5000)
    max_row_chars: int = Field(default=1_000_000, ge=5000)
    max_xlsx_bytes: int = Field(default=2_000_000_000, ge=1_000_000)
    max_xlsx_ratio: float = Field(default=100, gt=1)
    damaged_share: float = Field(default=0.01, ge=0, le=0.5)
    header_search_rows: int = Field(default=10, ge=1)
    chunk_rows: int = Field(default=5000, ge=1)
    shown_rejections: int = Field(default=100, ge=0)
    dry_run_rows: int = Field(default=5, ge=0)


class Settings(BaseSettings):
    """Where LeadFlow keeps its data and how it is reached."""

    # extra="forbid" refuses a key settings.yaml does not declare. The environment is not
    # affected: pydantic-settings reads only the LEADFLOW_* variables that name a field, so
    # unrelated ones (LEADFLOW_TEST_POSTGRES_URL) are still ignored.
    model_config = SettingsConfigDict(
        env_prefix="LEADFLOW_", extra="forbid", env_nested_delimiter="__"
    )

    database_url: str = "sqlite:///leadflow.db"
    config_dir: Path | None = Field(
        default=None, description="A team's folder of YAML files layered over config/."
    )
    output_dir: Path = Path("out")
    chunk_size: int = Field(default=1000, gt=0, le=20000)
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_workers: int = Field(default=1, ge=1, le=64)
    api_max_body_bytes: int = Field(default=8_388_608, ge=1024)
    session_secret: SecretStr | None = Field(
        default=None,
        description="Signs the workbench's session cookies; unset, each API process "
        "makes its own (sessions then end when it restarts). Set it for several workers.",
    )
    log_file: Path = Path("leadflow-errors.log")
    prefect_server_log: Path | None = Field(
        default=None,
        description="Where `serve`, `run` and `demo` append the local Prefect "
        "server's output (default: <output_dir>/prefect-server.log).",
    )
    locale: str = Field(
        default="en",
        description="The language of reviews, handoff packages "
        "and notifications: en, or a locale with a catalog (zh_CN).",
    )
    currency: str | None = Field(
        default=None,
        description="ISO 4217 code (CNY, USD) that amounts are shown in; none shows plain numbers.",
    )
    default_timezone: str = Field(
        default="UTC",
        description="IANA time zone (Asia/Shanghai) of new teams, of leads with no team "
        "and of the company-wide review; each team's own is set with teams set --timezone.",
    )

    # Notifications leave through the outbox. A recipient is an apprise URL (chat
    # webhooks, ...) or a plain email address, sent through `mail_url` (an apprise mailto
    # URL naming the SMTP server). Without mail_url, mail stays queued in the outbox.
    mail_url: str | None = None
    mail_from: str = "leadflow@localhost"
    delivery_owner: str | None = Field(
        default=None, description="Who in delivery takes won deals (named in handoffs)."
    )
    delivery_recipients: list[str] = Field(
        default_factory=list, description="Delivery / customer-service team for handoffs."
    )
    director_recipients: list[str] = Field(
        default_factory=list, description="Directors: grade-A briefs, handoffs, reviews."
    )
    core_team_recipients: list[str] = Field(
        default_factory=list,
        description="The core team (骨干团队) that follows a confirmed grade-A deal "
        "beside the directors.",
    )
    ops_notify_urls: list[str] = Field(
        default_factory=list,
        description="Apprise URLs told when a flow run fails or "
        "crashes (a JSON list in LEADFLOW_OPS_NOTIFY_URLS).",
    )
    outbox_max_attempts: int = Field(default=8, ge=1)
    outbox_backoff_seconds: float = Field(default=60, gt=0)
    outbox_in_doubt_seconds: float = Field(
        default=3600,
        ge=0,
        description="How long a message whose sender died between the "
        "send and marking it sent is held (it may have arrived) before it is sent again.",
    )
    schedules: Schedules = Field(default_factory=Schedules)
    scaleout: ScaleOut = Field(default_factory=ScaleOut)
    health: Health = Field(default_factory=Health)
    win_model: WinModelSettings = Field(default_factory=WinModelSettings)
    imports: Imports = Field(default_factory=Imports)

    def deal_followers(self) -> list[str]:
        """Who follows a confirmed grade-A deal (seed 002: 销售总监+骨干团队跟进): the
        directors, then the core team, each address once."""
        return list(dict.fromkeys([*self.director_recipients, *self.core_team_recipients]))

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        try:
            return check_locale(value)
        except InvalidInput as exc:
            raise ValueError(str(exc)) from None

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str | None) -> str | None:
        if value and value.upper() not in list_currencies():
            raise ValueError(
                N_("currency: {value!r} is not an ISO 4217 code such as CNY or USD", value=value)
            )
        return value.upper() if value else None

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return check_zone(value)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Environment wins over YAML, YAML over the defaults above."""
        yaml_source = YamlConfigSettingsSource(settings_cls, yaml_file=_settings_yaml())
        return (init_settings, env_settings, yaml_source)

    def server_log(self) -> Path:
        """The local Prefect server's log file."""
        return self.prefect_server_log or self.output_dir / "prefect-server.log"

    def rules(self) -> RulesConfig:
        """The validated rule book: config/rules.yaml with the team's rules.yaml over it."""
        override = self.config_dir / "rules.yaml" if self.config_dir else None
        return _load_rules_cached(
            DEFAULT_CONFIG_DIR / "rules.yaml", override, self.default_timezone
        )


@lru_cache(maxsize=8)
def _load_rules_cached(default: Path, override: Path | None, zone: str) -> RulesConfig:
    return load_rules(default, override).with_default_timezone(zone)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once on first use (never at import); a bad value or an
    unknown key is a ConfigError naming where it came from (LEADFLOW_<KEY> or the
    settings.yaml file) and the key, shown as one line."""
    # Read here too, so that a file which is not YAML is named like any other bad file;
    # the sources, by precedence, also say which one holds a refused key.
    files = [(str(path), read_yaml(path)) for path in reversed(_settings_yaml())]
    sources = [*_env_sources(), *files, ("settings (LEADFLOW_* or settings.yaml)", {})]
    try:
        return Settings()
    except ValidationError as exc:
        raise config_error(exc, Settings, sources) from None


def _env_sources() -> list[Source]:
    """Each LEADFLOW_* variable as the key path it sets (LEADFLOW_SCHEDULES__TIMEZONE is
    schedules.timezone); variables that name no setting never match a key."""
    found: list[Source] = []
    for name in os.environ:
        if name.upper().startswith("LEADFLOW_"):
            path = name[len("LEADFLOW_") :].lower().split("__")
            data: object = {}
            for part in reversed(path):
                data = {part: data}
            found.append((name, data))
    return found


def get_rules() -> RulesConfig:
    """Shortcut for the current settings' rule book."""
    return get_settings().rules()
