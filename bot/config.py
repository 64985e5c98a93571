"""Settings: environment variables (LIVEBOT_*) and `.env`; every knob is data, not code."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.paths import DEFAULT_AVATAR_DIR, PROMPTS_DIR


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIVEBOT_", env_file=".env", extra="ignore")

    fps: int = 25
    width: int = 720
    height: int = 1280
    sample_rate: int = 44100  # stage audio rate: 1764 samples per 25 fps frame, what ingest expects
    db: str = "sqlite:///livebot.db"
    prompts: Path = PROMPTS_DIR
    avatar: Path = DEFAULT_AVATAR_DIR
    llm: str = "offline"
    llm_model: str = "gpt-4.1-mini"
    llm_deadline_s: float = 2.5
    tts: str = "espeak"
    voices_dir: Path | None = Field(None, description="where `livebot voices install` puts Piper voices "
                                    "(default: the user's cache folder, livebot/voices)")

    @field_validator("voices_dir", mode="before")
    @classmethod
    def _blank_is_default(cls, value: object) -> object:
        # `LIVEBOT_VOICES_DIR=` (blank, as in a copied .env) means the default, not the current folder.
        return None if isinstance(value, str) and not value.strip() else value
    max_silence_s: float = Field(1.2, description="quiet this long with nobody to answer: the script goes on")
    log_format: str = Field("text", description="text | json (one JSON object per log line)")
    greeting_interval_s: float = 8.0
    av_offset_ms: float = 0.0
    control_host: str = "127.0.0.1"
    control_port: int = 8765
    control_token: str | None = None
