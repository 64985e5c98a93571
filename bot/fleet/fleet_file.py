"""FLEET.yaml (DESIGN §2.7): the rooms of a fleet, each checked on its own so one bad room never stops the rest."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from bot.prompts.book import PromptFileError
from bot.prompts.lined_yaml import LinedYaml


class FleetFileError(ValueError):
    """The fleet file as a whole cannot be used (missing, not YAML, no `rooms:` list)."""


class RoomSpec(BaseModel):
    """One room as the fleet file gives it; paths are already resolved against the file's folder."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    source: str
    catalog: Path
    prompts: Path | None = None
    output: list[str] = ["none"]
    llm: str | None = None
    tts: str | None = None
    avatar: Path | None = None

    @field_validator("name", "source")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @field_validator("output", mode="before")
    @classmethod
    def _outputs(cls, value: Any) -> Any:
        # `output: demo.mp4` and `output: [demo.mp4, rtmp://…]` both read as a list
        return [value] if isinstance(value, str) else value


@dataclass(frozen=True, slots=True)
class RoomProblem:
    """A room entry that cannot run as written: its name (when it has one), where it is, and why."""

    name: str
    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"room {self.name}: {where}: {self.reason}"


@dataclass(slots=True)
class FleetFile:
    """The rooms that can start, and the entries that cannot (each named in one line)."""

    path: Path
    rooms: list[RoomSpec] = field(default_factory=list)
    problems: list[RoomProblem] = field(default_factory=list)


_PATH_KEYS = ("catalog", "prompts", "avatar")


def _resolve(entry: dict[str, Any], base: Path) -> dict[str, Any]:
    """Relative paths are relative to the fleet file; outputs that are files too (not URLs or devices)."""
    out = dict(entry)
    for key in _PATH_KEYS:
        if isinstance(out.get(key), str) and out[key].strip():
            out[key] = base / Path(out[key]).expanduser()
    outputs = out.get("output")
    names = [outputs] if isinstance(outputs, str) else outputs
    if isinstance(names, list):
        out["output"] = [str(base / n) if isinstance(n, str) and n.endswith((".mp4", ".flv")) and "://" not in n
                         else n for n in names]
    src = out.get("source")
    if isinstance(src, str) and src.startswith("replay:"):
        out["source"] = f"replay:{base / src.removeprefix('replay:')}"
    return out


def load_fleet_file(path: Path) -> FleetFile:
    """Read FLEET.yaml; raises FleetFileError only when no room at all can be read from it."""
    try:
        doc = LinedYaml.read(path)
    except FileNotFoundError:
        raise FleetFileError(f"fleet file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FleetFileError(f"cannot read fleet file {path}: {exc}") from None
    except PromptFileError as exc:
        raise FleetFileError(str(exc)) from None
    data = doc.data
    rooms = data.get("rooms") if isinstance(data, dict) else None
    if not isinstance(rooms, list) or not rooms:
        raise FleetFileError(f"{path}: needs a `rooms:` list, each room with name, source and catalog")
    fleet = FleetFile(path=path)
    seen: set[str] = set()
    base = path.resolve().parent
    for i, entry in enumerate(rooms):
        line = doc.key_line(("rooms", i))
        name = str(entry.get("name", "")).strip() if isinstance(entry, dict) else ""
        label = name or f"#{i + 1}"
        if not isinstance(entry, dict):
            fleet.problems.append(RoomProblem(label, str(path), line, "a room is a mapping of name, source, catalog…"))
            continue
        try:
            spec = RoomSpec.model_validate(_resolve(entry, base))
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(p) for p in err["loc"]) or "room"
            at = doc.line(("rooms", i, err["loc"][0])) if err["loc"] else line
            fleet.problems.append(RoomProblem(label, str(path), at or line, f"{key}: {err['msg']}"))
            continue
        if spec.name in seen:
            fleet.problems.append(RoomProblem(label, str(path), line, "a second room with this name"))
            continue
        seen.add(spec.name)
        fleet.rooms.append(spec)
    return fleet
