"""`livebot` command line (DESIGN §2.2): each command delegates to its module in `bot/cli/`; a missing
optional extra (the photoreal avatar's OpenCV) only removes the command that needs it."""

from __future__ import annotations

import functools
import json
import logging
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from bot.cli.doctor_cmd import doctor_command
from bot.cli.fleet_cmd import fleet_run_command, fleet_status_command
from bot.cli.init_cmd import InitError, init_command
from bot.cli.orders_cmd import orders_import_command
from bot.cli.prompts_cmd import check_prompts
from bot.cli.record_cmd import record_command
from bot.cli.report_cmd import catalog_import_command, compare_variants_command, list_command, report_command
from bot.cli.voices import install_command, known_command, voices_command
from bot.config import Settings, reveal
from bot.output.calibration import measure_av_offset, play_calibration
from bot.output.sink import OutputError, StreamFormat
from bot.paths import SAMPLE_CATALOG, SAMPLE_SESSION
from bot.pipeline.assembly import SetupError, ShowOptions
from bot.pipeline.runner import run_show, summary_table
from bot.web.control_api import ControlError
from bot.web.dashboard import dashboard_command

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="livebot: an AI host for live selling (TikTok LIVE, Douyin).")
catalog_app = typer.Typer(help="Products: import or update the catalog.", no_args_is_help=True)
orders_app = typer.Typer(help="Orders: import a TikTok Shop order export.", no_args_is_help=True)
avatar_app = typer.Typer(help="Avatars: prepare a photoreal avatar from a video; serve its lip sync to many rooms.",
                         no_args_is_help=True)
prompts_app = typer.Typer(help="Prompt files: validate what moderators edit.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")
app.add_typer(orders_app, name="orders")
app.add_typer(avatar_app, name="avatar")
app.add_typer(prompts_app, name="prompts")

console = Console()
err = Console(stderr=True)


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line, for log shippers (LIVEBOT_LOG_FORMAT=json)."""
    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
               "logger": record.name, "msg": record.getMessage()}
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if Settings().log_format == "json":
        handler.setFormatter(JsonLogFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])


_DB_HELP = "database URL (default LIVEBOT_DB, else sqlite:///livebot.db)"


def _db(given: str | None) -> str:
    """`--db`, else LIVEBOT_DB through Settings (docs/reports.md)."""
    return given or Settings().db


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/] {message}", highlight=False, soft_wrap=True)  # one line, never wrapped
    return typer.Exit(code)


def _run(source: str, catalog: Path | None, outputs: list[str], llm: str | None, tts: str | None,
         avatar: Path | None, prompts: Path | None, db: str | None, realtime: bool, variant: str | None,
         as_json: bool, control: bool = False, room: str | None = None) -> None:

    if catalog is not None and not catalog.exists():
        raise _fail(f"catalog file not found: {catalog}")
    settings = Settings()  # read once here; every stage gets its part through ShowOptions
    opts = ShowOptions(source=source, catalog=catalog, outputs=outputs or ["none"], llm=llm or settings.llm.kind,
                       tts=tts or settings.tts,
                       avatar=avatar, prompts=prompts, db=db, realtime=realtime, variant=variant,
                       control=control, room=room, settings=settings)

    try:
        summary = run_show(opts, console)
    except (SetupError, ControlError) as exc:
        raise _fail(str(exc)) from None
    if as_json:
        out = {k: getattr(summary, k) for k in summary.__slots__}  # type: ignore[attr-defined]
        out["speed"] = summary.speed
        console.print_json(json.dumps(out, default=str))
    else:
        console.print(summary_table(summary))


@app.command()
def demo(out: Path = typer.Option(Path("demo.mp4"), "--out", help="where to write the video"),
         db: str = typer.Option("sqlite:///livebot-demo.db", "--db", help="database URL for the demo"),
         verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    """Replay the bundled sample session through the whole pipeline and write the video."""
    _setup_logging(verbose)
    console.print(f"[bold]livebot demo[/]: replaying {SAMPLE_SESSION.name} with {SAMPLE_CATALOG.name} → {out}")
    _run(f"replay:{SAMPLE_SESSION}", SAMPLE_CATALOG, [str(out)], "offline", "espeak", None, None, db,
         False, None, False)
    console.print(f"video: [bold]{out}[/] · report: [bold]livebot report --db {db}[/]")


@app.command()
def run(source: str = typer.Option(..., "--source",
                                   help="tiktok:@user[?room_id=N] | douyin:ROOM | replay:FILE | console"),
        catalog: Path | None = typer.Option(None, "--catalog", help="catalog CSV/JSON (else the DB's)"),
        output: list[str] = typer.Option([], "--output", help="virtualcam | rtmp://… | FILE.mp4/.flv | window | none"),
        llm: str | None = typer.Option(None, "--llm", help="offline | openai (default LIVEBOT_LLM, else offline)"),
        tts: str | None = typer.Option(None, "--tts",
                                       help="espeak | piper | coqui | edge (default LIVEBOT_TTS, else espeak)"),
        avatar: Path | None = typer.Option(None, "--avatar", help="avatar folder with avatar.toml"),
        prompts: Path | None = typer.Option(None, "--prompts", help="prompts folder (default prompts/)"),
        db: str | None = typer.Option(None, "--db", help="database URL (default sqlite:///livebot.db)"),
        realtime: bool = typer.Option(False, "--realtime", help="pace to the wall clock, as a live room does"),
        fast: bool = typer.Option(False, "--fast", help="render a replay as fast as the machine can"),
        variant: str | None = typer.Option(None, "--variant", help="run-of-show variant to use"),
        as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
        control: bool | None = typer.Option(None, "--control/--no-control",
                                            help="serve the moderator control API (default: on when live)"),
        room: str | None = typer.Option(None, "--room", help="name this room; reports and the dashboard show it"),
        verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    """The main job: listen to a room, decide, speak through the avatar, send it out."""
    _setup_logging(verbose)
    if realtime and fast:
        raise _fail("choose one of --realtime and --fast")
    live = not source.startswith("replay:")
    realtime = realtime or (live and not fast)
    _run(source, catalog, output, llm, tts, avatar, prompts, db, realtime, variant, as_json,
         control if control is not None else realtime, room)


@app.command()
def record(source: str = typer.Option(..., "--source", help="tiktok:@user | douyin:ROOM | console"),
           out: Path = typer.Option(..., "--out", help="event log to write (JSON Lines)"),
           max_seconds: float | None = typer.Option(None, "--max-seconds"),
           verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    """Record a real room's events for replay."""
    _setup_logging(verbose)

    record_command(source, out, max_seconds)


@catalog_app.command("import")
def catalog_import(file: Path, db: str | None = typer.Option(None, "--db", help=_DB_HELP)) -> None:
    """Load or update products from a CSV or JSON catalog."""
    catalog_import_command(file, _db(db))


@app.command()
def report(db: str | None = typer.Option(None, "--db", help=_DB_HELP),
           session: str = typer.Option("last", "--session", help="session id, 'last', or a room's name "
                                       "(its newest session)"),
           list_: bool = typer.Option(False, "--list", help="list every session (id, room, source, times)"),
           fmt: str = typer.Option("table", "--format", help="table | json | csv"),
           plot: Path | None = typer.Option(None, "--plot", help="write charts to this PNG"),
           compare_variants: bool = typer.Option(False, "--compare-variants",
                                                 help="compare script variants (A/B) instead"),
           sessions: str = typer.Option("all", "--sessions", help="with --compare-variants: all | 1,2,3")) -> None:
    """What was said, to whom, how fast, and what sold."""
    if list_:
        list_command(_db(db), fmt)
        return
    if compare_variants:
        compare_variants_command(_db(db), sessions, fmt)
        return
    report_command(_db(db), session, fmt, plot)


@app.command()
def dashboard(db: str | None = typer.Option(None, "--db", help=_DB_HELP),
              host: str = typer.Option("127.0.0.1", "--host"), port: int = typer.Option(8000, "--port"),
              token: str | None = typer.Option(None, "--token", help="default LIVEBOT_DASHBOARD_TOKEN")) -> None:
    """Web page for marketers and moderators."""
    s = Settings()
    dashboard_command(db or s.db, host, port, token or reveal(s.dashboard.token),
                      control_url=f"http://{s.control_host}:{s.control_port}", control_token=reveal(s.control_token),
                      stale_after_s=s.fleet.stale_after_s)


voices_app = typer.Typer(help="Voices: list the engines and voices here; install Piper voices from the hub.")
app.add_typer(voices_app, name="voices")


@voices_app.callback(invoke_without_command=True)
def voices(ctx: typer.Context) -> None:
    """List the speech engines, installed voices and which voice speaks each language."""
    if ctx.invoked_subcommand is None:
        voices_command()


@voices_app.command("install")
def voices_install(names: list[str] = typer.Argument(None, help="Piper voice names, e.g. vi_VN-vais1000-medium"),
                   from_dir: Path | None = typer.Option(None, "--from", help="install from files in this folder "
                                                        "(no network)"),
                   recommended: bool = typer.Option(False, "--recommended", help="one good voice per language "
                                                    "(vi, zh, en)"),
                   force: bool = typer.Option(False, "--force", help="install again even if already installed")
                   ) -> None:
    """Download Piper voices from the hub (HF_ENDPOINT sets its URL) into LIVEBOT_VOICES_DIR."""
    code = install_command(list(names or []), from_dir, recommended, force)
    if code:
        raise typer.Exit(code)


@voices_app.command("known")
def voices_known() -> None:
    """The Piper voices livebot knows by name (language, quality, sample rate, licence)."""
    known_command()


@app.command()
def init(folder: Path = typer.Argument(Path("."), help="where to write prompts/ and catalog.csv"),
         force: bool = typer.Option(False, "--force", help="overwrite files that are already there")) -> None:
    """Write an editable copy of the bundled prompts/ and a starter catalog.csv for moderators."""
    try:
        written = init_command(folder, force)
    except InitError as exc:
        raise _fail(str(exc)) from None
    for path in written:
        console.print(f"wrote {path}", highlight=False)
    console.print(f"next: livebot run --source console --catalog {folder / 'catalog.csv'} "
                  f"--prompts {folder / 'prompts'} --output window", highlight=False, soft_wrap=True)


@app.command()
def doctor(db: str | None = typer.Option(None, "--db", help="database URL to check (default LIVEBOT_DB)"),
           rtmp: str | None = typer.Option(None, "--rtmp", help="an rtmp:// URL to check is reachable")) -> None:
    """Check what works on this machine before going live, and say how to fix the rest."""
    raise typer.Exit(doctor_command(db, rtmp))


calibrate_app = typer.Typer(help="Voice/picture offset: play a flash+beep pattern, measure a recording.",
                            no_args_is_help=True)
app.add_typer(calibrate_app, name="calibrate")


@calibrate_app.command("play")
def calibrate_play(output: str = typer.Argument(..., help="virtualcam | rtmp://… | FILE.mp4 | window"),
                   seconds: float = typer.Option(20.0, "--seconds")) -> None:
    """Send a flash+beep test pattern to an output; record it in OBS, then `livebot calibrate measure`."""
    s = Settings()
    try:
        play_calibration(output, seconds, StreamFormat(s.width, s.height, s.fps, s.sample_rate),
                         **s.output.model_dump())
    except OutputError as exc:
        raise _fail(str(exc)) from None


@calibrate_app.command("measure")
def calibrate_measure(recording: Path = typer.Argument(..., help="a recording of the test pattern")) -> None:
    """Measure voice-minus-picture offset in a recording; set LIVEBOT_AV_OFFSET_MS to its negative."""
    if not recording.exists():
        raise _fail(f"recording not found: {recording}")
    try:
        offset = measure_av_offset(recording)
    except Exception as exc:  # a file with no pattern in it: say so in one line
        raise _fail(f"could not measure {recording}: {exc}") from None
    console.print(f"voice is {offset:+.1f} ms relative to the picture; set LIVEBOT_AV_OFFSET_MS={-offset:.0f}")


@prompts_app.command("check")
def prompts_check(folder: Path = typer.Argument(Path("prompts"), help="prompts folder")) -> None:
    """Validate the prompt files; exit non-zero with the file and line of each error."""
    if not folder.is_dir():
        raise _fail(f"prompts folder not found: {folder}")
    problems = check_prompts(folder)
    for p in problems:
        console.print(f"[red]{p}[/]", highlight=False)
    if problems:
        raise typer.Exit(1)
    console.print(f"[green]ok[/]: {folder} is valid")


fleet_app = typer.Typer(help="Many rooms: run a fleet file's rooms, each in its own process; see their state.",
                        no_args_is_help=True)
app.add_typer(fleet_app, name="fleet")


@fleet_app.command("run")
def fleet_run(file: Path = typer.Argument(..., help="FLEET.yaml: `rooms:` with name, source, catalog…"),
              db: str | None = typer.Option(None, "--db", help="the shared " + _DB_HELP),
              realtime: bool = typer.Option(False, "--realtime", help="pace every room to the wall clock"),
              fast: bool = typer.Option(False, "--fast", help="render replays as fast as the machine can "
                                        "(the default for replays)"),
              engine: str = typer.Option("local", "--engine", help="local (a process per room) | ray (an actor "
                                         "per room)"),
              ray_address: str | None = typer.Option(None, "--ray-address", help="with --engine ray: join this "
                                                     "cluster (else a local Ray starts)"),
              as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
              verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    """Run every room in FLEET.yaml, restart crashed ones, stop all cleanly on Ctrl-C / SIGTERM."""
    _setup_logging(verbose)
    fleet_run_command(file, _db(db), realtime, fast, engine, ray_address, as_json)


@fleet_app.command("status")
def fleet_status(db: str | None = typer.Option(None, "--db", help=_DB_HELP),
                 fmt: str = typer.Option("table", "--format", help="table | json")) -> None:
    """Each fleet room's state, uptime, restarts, viewers, replies, latency and last error, from the database."""
    fleet_status_command(_db(db), fmt)


def _register_optional() -> None:
    """Commands whose modules belong to optional parts; registered when importable."""
    try:
        from bot.cli.avatar_cmd import avatar_prepare_command, avatar_serve_command
    except ImportError:
        return
    avatar_app.command("prepare")(avatar_prepare_command)

    @functools.wraps(avatar_serve_command)
    def avatar_serve(*args: Any, **kwargs: Any) -> None:
        _setup_logging(True)  # rooms joining and leaving are the renderer's news
        avatar_serve_command(*args, **kwargs)

    avatar_app.command("serve")(avatar_serve)


orders_app.command("import")(orders_import_command)
_register_optional()

if __name__ == "__main__":  # pragma: no cover
    app()
