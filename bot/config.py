"""Settings: one model for every knob, read from LIVEBOT_* variables and `.env`; each stage gets its part.

Nested names use `__` (`LIVEBOT_TRIAGE__PER_VIEWER_BURST=2`, `LIVEBOT_LLM__FIRST_SENTENCE_S=1.0`); the flat
names documented before the nesting (`FLAT_NAMES`: `LIVEBOT_VOICES_DIR`, `OPENAI_API_KEY`, …) keep working.
The environment beats `.env`; within one of them a nested name beats its flat twin. Blank values mean unset.
Nothing else in `bot/` reads the environment for LIVEBOT_/OPENAI_ names: callers pass these values down.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from bot.agent.llm.responder import LlmLimits
from bot.avatar.photoreal.lip_sync_wire import SharedLipSyncSettings
from bot.director.director import DirectorSettings
from bot.events import LANGS, Lang
from bot.output.settings import OutputSettings
from bot.paths import DEFAULT_AVATAR_DIR, PROMPTS_DIR
from bot.sources.supervisor import SupervisorOptions
from bot.triage.room_triage import TriageSettings

SHOW_GREETING_INTERVAL_S = 8.0  # the show greets more often than a bare Director (12 s)


class LlmSettings(BaseModel):
    """`--llm openai`: which model, where, with which key, and the turn's time bounds."""

    kind: str = Field("offline", description="offline | openai: what `livebot run` uses without --llm")
    model: str = "gpt-4.1-mini"
    deadline_s: float = Field(2.5, description="longest a turn may take; also the HTTP timeout")
    first_sentence_s: float | None = Field(None, description="a filler if the first sentence is later "
                                                             "(default: min(1.2, deadline_s / 2))")
    base_url: str | None = Field(None, description="an OpenAI-compatible /v1 URL; None = api.openai.com")
    api_key: SecretStr | None = None

    def limits(self, first_sentence_s: float | None = None) -> LlmLimits:
        """The responder's own time bounds; an explicit `first_sentence_s` wins over the setting."""
        first = first_sentence_s if first_sentence_s is not None else self.first_sentence_s
        return LlmLimits(deadline_s=self.deadline_s,
                         first_sentence_s=first if first is not None else min(1.2, self.deadline_s / 2))


class VoicesSettings(BaseModel):
    dir: Path | None = Field(None, description="where `livebot voices install` puts Piper voices "
                                               "(default: the user's cache folder, livebot/voices)")


class DouyinSettings(BaseModel):
    sidecar: str | None = Field(None, description="the douyinLive sidecar's WebSocket URL "
                                                  "(default ws://127.0.0.1:1088/ws/{room_id})")
    gift_warn_s: float | None = Field(None, description="chat without a gift this long: warn about the "
                                                        "sidecar's cookie (default 300 s)")


class DashboardSettings(BaseModel):
    token: SecretStr | None = Field(None, description="`livebot dashboard --token` when not given")


class FleetSettings(BaseModel):
    """`livebot fleet run`: how a failed room is restarted and how long a clean stop may take."""

    max_restarts: int = Field(3, ge=0, description="restarts of one room before the fleet gives up on it")
    backoff_s: float = Field(1.0, gt=0, description="wait before the first restart; doubles each time")
    backoff_max_s: float = Field(30.0, gt=0, description="the longest wait between restarts")
    stable_s: float = Field(60.0, gt=0, description="a room up this long has its restart backoff reset")
    stop_grace_s: float = Field(30.0, gt=0, description="after Ctrl-C/SIGTERM, how long a room may take to "
                                                       "finish its line and flush before it is killed")
    room_cpus: float = Field(1.0, gt=0, description="CPUs a room declares to Ray (--engine ray)")
    room_gpus: float = Field(0.0, ge=0, description="GPUs a room declares to Ray (photoreal avatars)")
    heartbeat_s: float = Field(2.0, gt=0, description="how often the supervisor marks its rooms alive in the "
                                                      "database; `fleet status` calls a room stale after 5 of these")
    @property
    def stale_after_s(self) -> float:
        """A live room whose state row is older than this has lost its supervisor (fleet status, dashboard)."""
        return 5 * self.heartbeat_s

    log_dir: Path | None = Field(None, description="each local room's log file goes here (default: fleet-logs/ "
                                                   "beside the SQLite file, else in the working folder)")


def _show_director(value: Any) -> Any:
    # Nested variables give a partial dict: the show's own defaults fill what they leave out.
    return {"greeting_interval_s": SHOW_GREETING_INTERVAL_S, **value} if isinstance(value, Mapping) else value


def _show_director_default() -> DirectorSettings:
    return DirectorSettings(greeting_interval_s=SHOW_GREETING_INTERVAL_S)


# Flat names from before the nested model -> (stage, field). `Settings(llm_model=…)` (the name without
# LIVEBOT_, lower case) works too.
FLAT_NAMES: dict[str, tuple[str, str]] = {
    "LIVEBOT_LLM": ("llm", "kind"),
    "LIVEBOT_LLM_MODEL": ("llm", "model"),
    "LIVEBOT_LLM_DEADLINE_S": ("llm", "deadline_s"),
    "OPENAI_BASE_URL": ("llm", "base_url"),
    "OPENAI_API_KEY": ("llm", "api_key"),
    "LIVEBOT_VOICES_DIR": ("voices", "dir"),
    "LIVEBOT_DOUYIN_SIDECAR": ("douyin", "sidecar"),
    "LIVEBOT_DOUYIN_GIFT_WARN_S": ("douyin", "gift_warn_s"),
    "LIVEBOT_DASHBOARD_TOKEN": ("dashboard", "token"),
    "LIVEBOT_GREETING_INTERVAL_S": ("director", "greeting_interval_s"),
    "LIVEBOT_MAX_SILENCE_S": ("director", "script_gap_s"),
    **{f"LIVEBOT_{name.upper()}": ("output", name) for name in OutputSettings.model_fields},
}
_FLAT_KWARGS = {env.removeprefix("LIVEBOT_").lower(): place for env, place in FLAT_NAMES.items()
                if env.startswith("LIVEBOT_")}


def _nest(data: dict[str, Any], flat: Mapping[tuple[str, str], Any], *, override: bool) -> dict[str, Any]:
    """Put flat values into their stage's dict; `override` False keeps a value already there."""
    for (stage, name), value in flat.items():
        target = data.setdefault(stage, {})
        if isinstance(target, dict) and (override or name not in target):
            target[name] = value
    return data


def _split_flat(found: Mapping[str, str | None]) -> tuple[dict[str, str | None], dict[tuple[str, str], Any]]:
    """The variables without the flat names, and the flat names' values by (stage, field)."""
    rest = dict(found)
    flat = {place: rest.pop(env.lower()) for env, place in FLAT_NAMES.items() if env.lower() in rest}
    return rest, flat


class _EnvSource(EnvSettingsSource):
    """The environment, flat names included."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        rest, self.flat = _split_flat(super()._load_env_vars())
        return rest

    def __call__(self) -> dict[str, Any]:
        return _nest(super().__call__(), self.flat, override=False)


class _DotEnvSource(DotEnvSettingsSource):
    """`.env`, flat names included."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        rest, self.flat = _split_flat(super()._load_env_vars())
        return rest

    def __call__(self) -> dict[str, Any]:
        return _nest(super().__call__(), self.flat, override=False)


class Settings(BaseSettings):
    """Every knob; `settings.triage`, `.director`, `.supervisor`, `.output` are the stages' own types."""

    model_config = SettingsConfigDict(env_prefix="LIVEBOT_", env_nested_delimiter="__", env_file=".env",
                                      env_ignore_empty=True, extra="ignore")

    fps: int = 25
    width: int = 720
    height: int = 1280
    sample_rate: int = 44100  # stage audio rate: 1764 samples per 25 fps frame, what ingest expects
    db: str = "sqlite:///livebot.db"
    prompts: Path = PROMPTS_DIR
    avatar: Path = DEFAULT_AVATAR_DIR
    tts: str = Field("espeak", description="espeak | piper | coqui | edge: what `livebot run` uses without --tts")
    log_format: str = Field("text", description="text | json (one JSON object per log line)")
    default_lang: Lang = Field("vi", description="the language of a comment too short to tell")
    control_host: str = "127.0.0.1"
    control_port: int = 8765
    control_token: SecretStr | None = None

    llm: LlmSettings = Field(default_factory=LlmSettings)
    triage: TriageSettings = Field(default_factory=TriageSettings)
    director: Annotated[DirectorSettings, BeforeValidator(_show_director)] = Field(
        default_factory=_show_director_default, description="room_lang, variant and model_on are the show's")
    supervisor: SupervisorOptions = Field(default_factory=SupervisorOptions)
    output: OutputSettings = Field(default_factory=OutputSettings)
    voices: VoicesSettings = Field(default_factory=VoicesSettings)
    douyin: DouyinSettings = Field(default_factory=DouyinSettings)
    dashboard: DashboardSettings = Field(default_factory=DashboardSettings)
    fleet: FleetSettings = Field(default_factory=FleetSettings)
    photoreal: SharedLipSyncSettings = Field(default_factory=SharedLipSyncSettings)

    @model_validator(mode="before")
    @classmethod
    def _flat_keywords(cls, data: Any) -> Any:
        # Settings(llm_model=…, voices_dir=…): the flat keyword wins, as any keyword beats the environment.
        if not isinstance(data, dict) or not _FLAT_KWARGS.keys() & data.keys():
            return data
        data = dict(data)
        flat = {_FLAT_KWARGS[key]: data.pop(key) for key in list(data) if key in _FLAT_KWARGS
                and key not in cls.model_fields}
        return _nest(data, flat, override=True)

    @field_validator("default_lang", mode="before")
    @classmethod
    def _known_lang(cls, value: object) -> object:
        # A language we do not speak (LIVEBOT_DEFAULT_LANG=fr) means the shop's own, as before.
        text = str(value).strip().lower()
        return text if text in LANGS else "vi"

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, _EnvSource(settings_cls), _DotEnvSource(settings_cls), file_secret_settings


def reveal(secret: SecretStr | None) -> str | None:
    """A secret's text for the one place that sends it (never for logs); None when unset or blank."""
    return (secret.get_secret_value() or None) if secret is not None else None
