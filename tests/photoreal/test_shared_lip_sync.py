"""One lip-sync renderer for several rooms: mixed batches, same pixels as alone, isolation, sprite fallback.

Real parts throughout: two avatars prepared from real H.264 clips, real espeak speech, the
Wav2Lip-layout generator (slimmed 8×, random weights) on CPU, sockets on 127.0.0.1 and a Unix socket,
and the renderer in its own spawned process where the test is about that process dying.
"""

from __future__ import annotations

import logging
import math
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Client
from pathlib import Path

import numpy as np
import pytest
from conftest import SLIM, STAGE_H, STAGE_W

torch = pytest.importorskip("torch", reason="torch (the neural extra) is not installed")

from bot.avatar.loader import load_avatar  # noqa: E402
from bot.avatar.photoreal.avatar_folder import load_prepared  # noqa: E402
from bot.avatar.photoreal.lip_sync import LipSyncModel  # noqa: E402
from bot.avatar.photoreal.lip_sync_client import LipSyncClient  # noqa: E402
from bot.avatar.photoreal.lip_sync_wire import (  # noqa: E402
    AvatarFaces,
    FaceRequest,
    Hello,
    SharedLipSyncSettings,
)
from bot.avatar.photoreal.mel import mel_window, melspectrogram, resample  # noqa: E402
from bot.avatar.photoreal.photoreal_renderer import PhotorealAvatar  # noqa: E402
from bot.avatar.photoreal.shared_lip_sync import SharedLipSyncServer  # noqa: E402
from bot.avatar.photoreal.shared_lip_sync_process import (  # noqa: E402
    RendererSpec,
    renderer_specs_for,
    start_shared_lip_sync,
)
from bot.avatar.photoreal.shared_photoreal_avatar import SharedPhotorealAvatar, connect_shared_photoreal  # noqa: E402
from bot.avatar.photoreal.wav2lip import Wav2LipGenerator, load_generator  # noqa: E402
from bot.avatar.render_contract import AvatarState  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.events import Sentence, SpeechSegment  # noqa: E402
from bot.paths import DEFAULT_AVATAR_DIR  # noqa: E402
from bot.speech.espeak import EspeakEngine  # noqa: E402

FPS = 25
STAGE_RATE = 44100
ROOM_LOG = "bot.avatar.photoreal.shared_photoreal_avatar"


@pytest.fixture(scope="module")
def segment() -> SpeechSegment:
    synthesis = EspeakEngine().synthesize("Red shirt, twelve dollars.", "en")
    stage_pcm = resample(synthesis.pcm.astype(np.float32) / 32768.0, synthesis.sample_rate, STAGE_RATE)
    pcm = np.clip(stage_pcm * 32768.0, -32768, 32767).astype(np.int16)
    return SpeechSegment(sentence=Sentence(reply_id=1, index=0, text="Red shirt, $12.", lang="en"), pcm=pcm,
                         sample_rate=STAGE_RATE)


@pytest.fixture(scope="module")
def model(slim_checkpoint) -> LipSyncModel:
    return LipSyncModel.from_checkpoint(slim_checkpoint, device="cpu")


def states(segment: SpeechSegment, start: int, silent_after: int = 2) -> list[AvatarState]:
    """The stage's clock for one sentence (frame i ↔ audio slice i), then a few silent frames."""
    speaking = math.ceil(len(segment.pcm) * FPS / STAGE_RATE)
    return [AvatarState(frame_index=start + i, t=(start + i) / FPS, segment=segment if i < speaking else None,
                        seg_time=i / FPS if i < speaking else 0.0) for i in range(speaking + silent_after)]


def link_to(address: str, authkey: bytes, room: str, *, realtime: bool = False, **knobs: float):
    settings = SharedLipSyncSettings(shared_renderer=address, authkey=authkey.hex(), **knobs)
    link = settings.link(room, realtime)
    assert link is not None
    return link


@pytest.fixture()
def server(model):
    """The batching renderer in this process (its own threads); a long max wait so both rooms always meet."""
    running = SharedLipSyncServer(model, max_batch=32, max_wait_s=0.5, checkpoint="")
    authkey = b"test-key"
    running.listen(("127.0.0.1", 0), authkey)
    yield running, authkey
    running.stop()


def test_a_slim_checkpoint_loads_as_the_slim_layout(slim_checkpoint) -> None:
    generator = load_generator(slim_checkpoint)
    assert generator.channel_divisor == SLIM
    assert generator.state_dict().keys() == Wav2LipGenerator().state_dict().keys()  # the published names


def test_two_rooms_with_different_avatars_share_one_batch_and_get_their_own_pixels(
        server, avatar_dirs, segment, model) -> None:
    running, authkey = server
    rooms = [connect_shared_photoreal(folder, STAGE_W, STAGE_H, FPS, link_to(running.address, authkey, name))
             for folder, name in zip(avatar_dirs, ("shop-a", "shop-b"), strict=True)]
    clocks = [states(segment, 40), states(segment, 7)]  # each room's own timeline
    shown: list[list[np.ndarray]] = [[], []]

    def play(i: int) -> None:  # each room renders from its own thread, as its own process would
        shown[i] = [rooms[i].render(state) for state in clocks[i]]

    threads = [threading.Thread(target=play, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    spoken = sum(s.segment is not None for s in clocks[0])
    stats = running.stats()
    mixed = [b for b in stats.recent if len(b.avatars) == 2]
    assert mixed, f"no batch held both avatars: {stats.recent}"
    assert set(mixed[0].rooms) == {"shop-a", "shop-b"} and set(mixed[0].avatars) == {r.key for r in rooms}
    assert stats.faces == 2 * spoken and stats.mixed_batches == len(mixed)
    for room in rooms:
        assert (room.shared_faces, room.late_frames, room.sprite_frames, room.warnings) == (spoken, 0, 0, 0)

    for i, folder in enumerate(avatar_dirs):  # the same faces the room's own renderer would have made
        alone = PhotorealAvatar(load_prepared(folder, STAGE_W, STAGE_H), model, width=STAGE_W, height=STAGE_H,
                                fps=FPS)
        for state, image in zip(clocks[i], shown[i], strict=True):
            reference = alone.render(state)
            assert np.abs(reference.astype(int) - image.astype(int)).max() <= 2
        idle = alone.prepared.frames[alone.prepared.loop_index(clocks[i][5].frame_index)]
        assert np.abs(shown[i][5].astype(int) - idle.astype(int)).max() > 10  # the mouth was really redrawn
    assert np.abs(shown[0][5].astype(int) - shown[1][5].astype(int)).mean() > 5  # two avatars, two pictures
    for room in rooms:
        room.close()


def test_a_room_that_stops_reading_does_not_delay_the_other(model, avatar_dirs, segment) -> None:
    # A Unix socket: its ~200 KB buffer fills after one reply, so the stalled room really blocks its writer.
    folder = Path(tempfile.mkdtemp(prefix="lipsync", dir="/tmp"))
    running = SharedLipSyncServer(model, max_batch=16, max_wait_s=0.005, max_pending=4, max_outbox=4)
    address = running.listen(str(folder / "r.sock"), b"k")
    stalled = Client(str(folder / "r.sock"), authkey=b"k")  # says hello, asks a lot, never reads
    healthy = LipSyncClient(address, b"k", "healthy")
    flooding = threading.Event()
    flooder: threading.Thread | None = None
    try:
        crops = load_prepared(avatar_dirs[0], STAGE_W, STAGE_H).crops
        mel = melspectrogram(segment.pcm, segment.sample_rate)
        mels = np.stack([mel_window(mel, j, FPS) for j in range(8)])
        stalled.send(Hello("stalled"))
        stalled.send(AvatarFaces("a", crops))

        def flood() -> None:
            ticket = 0
            while not flooding.wait(0.02):  # faster than the renderer serves it: its queue stays full
                ticket += 1
                stalled.send(FaceRequest(ticket, "a", np.arange(8), mels, None))

        flooder = threading.Thread(target=flood, daemon=True)
        flooder.start()
        deadline = time.monotonic() + 20
        while not running.stats().shed.get("stalled") and time.monotonic() < deadline:
            time.sleep(0.05)  # until its socket and outbox are full and its replies are being thrown away
        assert running.stats().shed.get("stalled", 0) > 0, "the stalled room never filled its socket"
        healthy.connect()
        healthy.register("b", crops)
        waits = []
        for _ in range(15):
            t0 = time.monotonic()
            reply = healthy.wait(healthy.request("b", np.arange(8), mels, None), 10.0)
            waits.append(time.monotonic() - t0)
            assert reply is not None and reply.status == "ok" and reply.faces is not None
        stats = running.stats()
        # The stalled room goes on being served and shed (never blocking the batcher), the healthy one is
        # answered batch after batch: a few generator calls at most, never the stalled room's backlog.
        assert stats.shed["stalled"] > 4 and stats.batches > 15
        assert sorted(waits)[len(waits) // 2] < 0.5 and max(waits) < 2.0, waits
        assert stats.shed.get("healthy", 0) == 0 and stats.dropped.get("healthy", 0) == 0
    finally:
        flooding.set()
        if flooder is not None:
            flooder.join(5)
        healthy.close()
        stalled.close()
        running.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_a_request_past_its_budget_is_answered_expired_without_inference(server, avatar_dirs) -> None:
    running, authkey = server
    client = LipSyncClient(running.address, authkey, "late-room")
    client.connect()
    client.register("a", load_prepared(avatar_dirs[0], STAGE_W, STAGE_H).crops)
    reply = client.wait(client.request("a", np.arange(4), np.zeros((4, 80, 16), np.float32), 0.0), 5.0)
    assert reply is not None and reply.status == "expired" and reply.faces is None
    unknown = client.wait(client.request("nobody", np.arange(4), np.zeros((4, 80, 16), np.float32), None), 5.0)
    assert unknown is not None and unknown.status == "unknown-avatar"
    stats = running.stats()
    assert stats.expired == {"late-room": 1} and stats.faces == 0
    client.close()


def test_the_room_shows_its_sprite_when_the_renderer_dies_and_comes_back_later(
        avatar_dirs, segment, slim_checkpoint, model, monkeypatch, caplog) -> None:
    handle = start_shared_lip_sync(RendererSpec(slim_checkpoint, device="cpu", max_wait_s=0.002))
    try:
        for name, value in handle.env().items():  # what the fleet gives each room's process
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("LIVEBOT_PHOTOREAL__RECONNECT_S", "0.2")
        link = Settings().photoreal.link("shop-a", realtime=False)
        room = load_avatar(avatar_dirs[0], STAGE_W, STAGE_H, FPS, shared_lip_sync=link)
        assert isinstance(room, SharedPhotorealAvatar)
        clock = states(segment, 0, silent_after=0)
        for state in clock[:6]:
            room.render(state)
        assert room.shared_faces >= 6 and room.sprite_frames == 0
        caplog.set_level(logging.WARNING, logger=ROOM_LOG)
        handle.kill()  # SIGKILL mid-sentence
        slowest = 0.0
        for state in clock[6:18]:
            t0 = time.monotonic()
            image = room.render(state)
            slowest = max(slowest, time.monotonic() - t0)
            assert image.shape == (STAGE_H, STAGE_W, 3)
        assert room.sprite_frames >= 10 and slowest < 1.0
        assert np.array_equal(room.render(clock[18]), room.fallback.render(clock[18]))  # the sprite draws it
        gone = [r for r in caplog.records if r.name == ROOM_LOG]
        assert len(gone) == 1 and gone[0].levelno == logging.WARNING and "shop-a" in gone[0].getMessage()

        # The renderer is started again where the room knows it: the room goes back to photoreal.
        host, port = handle.address.rsplit(":", 1)
        revived = SharedLipSyncServer(model, max_wait_s=0.002, checkpoint=str(slim_checkpoint.resolve()))
        revived.listen((host, int(port)), handle.authkey)
        try:
            deadline = time.monotonic() + 10
            before = room.shared_faces
            i = 19
            while room.shared_faces == before and time.monotonic() < deadline:
                room.render(clock[i % len(clock)])
                i += 1
                time.sleep(0.05)
            assert room.shared_faces > before, "the room never came back to the shared renderer"
            assert len([r for r in caplog.records if r.name == ROOM_LOG]) == 1  # back: no new warning
        finally:
            room.close()
            revived.stop()
    finally:
        handle.stop()


def test_a_room_started_without_its_renderer_shows_the_sprite_with_one_warning(avatar_dirs, segment, caplog) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    caplog.set_level(logging.WARNING, logger=ROOM_LOG)
    room = connect_shared_photoreal(avatar_dirs[1], STAGE_W, STAGE_H, FPS,
                                    link_to(f"127.0.0.1:{port}", b"k", "shop-b", realtime=True, reconnect_s=60))
    frames = [room.render(state) for state in states(segment, 0)[:5]]
    assert all(f.shape == (STAGE_H, STAGE_W, 3) for f in frames) and room.sprite_frames == 5
    assert room.viseme_at(states(segment, 0)[3]) == room.fallback.viseme_at(states(segment, 0)[3])
    messages = [r.getMessage() for r in caplog.records if r.name == ROOM_LOG]
    assert len(messages) == 1 and "shop-b" in messages[0] and "cannot connect" in messages[0]
    room.close()


def test_the_fleet_gets_one_spec_per_checkpoint_its_photoreal_rooms_name(avatar_dirs, slim_checkpoint,
                                                                          tmp_path) -> None:
    settings = SharedLipSyncSettings(max_batch=12)
    specs = renderer_specs_for([None, *avatar_dirs, Path("avatars/default")], settings)
    assert set(specs) == set(avatar_dirs)  # the sprite avatar and the room without one need no renderer
    first, second = (specs[folder] for folder in avatar_dirs)
    assert first == second  # two avatars, one checkpoint: one renderer serves both
    assert first.checkpoint == slim_checkpoint.resolve() and first.device == "cpu" and first.max_batch == 12
    assert renderer_specs_for([Path("avatars/default"), None], settings) == {}
    other = tmp_path / "other"
    shutil.copytree(avatar_dirs[1], other)
    toml = other / "avatar.toml"
    another = shutil.copy(slim_checkpoint, tmp_path / "another.pth")
    toml.write_text(toml.read_text().replace(str(slim_checkpoint), str(another)))
    specs = renderer_specs_for([avatar_dirs[0], other], settings)
    assert specs[other].checkpoint == another.resolve() and specs[other] != specs[avatar_dirs[0]]
    another.unlink()  # a checkpoint that is not there: no renderer; the room itself says it is missing
    assert set(renderer_specs_for([avatar_dirs[0], other], settings)) == {avatar_dirs[0]}


def test_livebot_avatar_serve_draws_for_a_room_that_names_it_and_says_what_it_served(avatar_dirs, segment,
                                                                                      tmp_path) -> None:
    key_file = tmp_path / "renderer.key"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVEBOT_")}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli.main", "avatar", "serve", str(avatar_dirs[0]),
                             "--listen", "127.0.0.1:0", "--key-file", str(key_file)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        first = proc.stdout.readline()  # type: ignore[union-attr]
        found = re.match(r"shared lip-sync renderer at (127\.0\.0\.1:\d+) \(wav2lip_slim\.pth, cpu\); key in (.+)$",
                         first.strip())
        assert found is not None, first + proc.stderr.read()  # type: ignore[union-attr]
        assert found.group(2) == str(key_file) and stat.S_IMODE(key_file.stat().st_mode) == 0o600
        room = connect_shared_photoreal(avatar_dirs[1], STAGE_W, STAGE_H, FPS,
                                        link_to(found.group(1), bytes.fromhex(key_file.read_text().strip()),
                                                "shop-b"))
        try:
            for state in states(segment, 0):
                room.render(state)
            assert room.shared_faces > 0 and room.sprite_frames == 0  # another avatar's faces, drawn there
        finally:
            room.close()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    served = re.search(r"served (\d+) faces in \d+ batches", out)
    assert served is not None and int(served.group(1)) == room.shared_faces, out
    assert "room shop-b joined the shared lip-sync renderer" in err and key_file.read_text().strip() not in err


def test_livebot_avatar_serve_refuses_a_sprite_avatar_in_one_line(tmp_path) -> None:
    done = subprocess.run([sys.executable, "-m", "bot.cli.main", "avatar", "serve", str(DEFAULT_AVATAR_DIR)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 1 and done.stderr.strip().splitlines() == [
        f"error: {DEFAULT_AVATAR_DIR}: not a photoreal avatar whose avatar.toml names a checkpoint that exists"]
    assert not (tmp_path / "lip-sync.key").exists()  # no key written for a renderer that never ran
