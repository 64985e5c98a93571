"""Virtual camera through the real pyvirtualcam.Camera, the A/V offset FIFO, the preview window,
and the voice through a real PulseAudio null sink."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from bot.events import StageFrame
from bot.output.audio_device import AudioDeviceOutput
from bot.output.av_offset import AvOffsetDelay
from bot.output.calibration import calibration_frames, probe_frames
from bot.output.factory import build_output
from bot.output.sink import OutputError, StreamFormat
from bot.output.virtualcam import VirtualCamOutput
from bot.output.window import WindowOutput

FMT = StreamFormat(width=180, height=320, fps=25, sample_rate=44100)
SPF = FMT.sample_rate // FMT.fps


def _frame(i: int, value: int | None = None) -> StageFrame:
    img = np.full((FMT.height, FMT.width, 3), (i * 3) % 256 if value is None else value, np.uint8)
    audio = np.full(SPF, i, np.int16)
    return StageFrame(index=i, t=i / FMT.fps, image=img, audio=audio, sample_rate=FMT.sample_rate)


# -- virtual camera ---------------------------------------------------------------------------
class RecordingBackend:
    """Stands in for the kernel v4l2loopback device (or OBS's camera), which cannot exist in CI:
    the real pyvirtualcam.Camera (format checks, pacing) runs on top of it."""

    sent: list[tuple[float, np.ndarray]] = []

    def __init__(self, *, width: int, height: int, fps: float, fourcc: int, device: str | None, **kw: object):
        self.width, self.height = width, height
        RecordingBackend.sent = []

    def close(self) -> None:
        pass

    def send(self, frame: np.ndarray) -> None:
        RecordingBackend.sent.append((time.perf_counter(), frame.copy()))

    def device(self) -> str:
        return "/dev/video-test"

    def native_fourcc(self) -> int | None:
        return None


@pytest.fixture
def fake_camera_backend() -> str:
    pyvirtualcam = pytest.importorskip("pyvirtualcam")
    pyvirtualcam.register_backend("livebot-test", RecordingBackend)
    return "livebot-test"


def test_output_virtualcam_frames_arrive_in_order_shaped_and_paced(fake_camera_backend: str) -> None:
    cam = VirtualCamOutput(backend=fake_camera_backend)
    cam.open(FMT)
    assert cam.camera_device == "/dev/video-test"
    for i in range(30):  # as fast as we can: the output itself paces to 25 fps
        cam.write(_frame(i))
    cam.close()
    cam.close()
    sent = RecordingBackend.sent
    assert len(sent) == 30
    values = [int(f.reshape(FMT.height, FMT.width, 3)[0, 0, 0]) for _, f in sent]
    assert values == [(i * 3) % 256 for i in range(30)]
    assert all(f.size == FMT.height * FMT.width * 3 for _, f in sent)
    intervals = np.diff([t for t, _ in sent])[5:]  # the adaptive sleep settles after a few frames
    assert 0.030 < float(np.median(intervals)) < 0.050, intervals
    assert (sent[-1][0] - sent[0][0]) > 29 * 0.040 * 0.85


def test_output_virtualcam_without_device_is_a_clear_error() -> None:
    pytest.importorskip("pyvirtualcam")
    if Path("/dev/video0").exists():
        pytest.skip("a real video device exists here")
    with pytest.raises(OutputError, match="modprobe v4l2loopback"):
        VirtualCamOutput(backend="v4l2loopback").open(FMT)


def test_output_factory_builds_virtualcam_with_audio_and_offset() -> None:
    out = build_output("virtualcam", audio_device="3", av_offset_ms=-40)
    assert isinstance(out, VirtualCamOutput)
    assert isinstance(out.audio, AudioDeviceOutput) and out.audio.device == 3
    assert out.av_offset_ms == -40
    assert build_output("virtualcam", audio_device="none").audio is None  # type: ignore[attr-defined]


# -- offset FIFO ------------------------------------------------------------------------------
def _through_delay(offset_ms: float, n: int = 60) -> list[StageFrame]:
    delay = AvOffsetDelay(offset_ms, FMT.fps, FMT.sample_rate)
    out = []
    for f in calibration_frames(FMT, seconds=n / FMT.fps):
        image, block = delay.push(f)
        out.append(StageFrame(index=f.index, t=f.t, image=image, audio=block, sample_rate=f.sample_rate))
    return out


def test_output_offset_plus_80ms_puts_audio_exactly_two_frames_later() -> None:
    delay = AvOffsetDelay(80, FMT.fps, FMT.sample_rate)
    assert (delay.video_delay_frames, delay.audio_delay_samples) == (0, 2 * SPF)
    blocks = [delay.push(_frame(i)) for i in range(6)]
    assert [int(img[0, 0, 0]) for img, _ in blocks] == [(i * 3) % 256 for i in range(6)]
    assert [int(b[0]) for _, b in blocks] == [0, 0, 0, 1, 2, 3]  # frame i's audio leaves with frame i+2
    assert all(len(b) == SPF and (b == b[0]).all() for _, b in blocks)
    assert probe_frames(_through_delay(80), FMT.fps).offset_ms() == pytest.approx(80.0, abs=1.0)


def test_output_offset_negative_delays_the_picture() -> None:
    delay = AvOffsetDelay(-80, FMT.fps, FMT.sample_rate)
    assert (delay.video_delay_frames, delay.audio_delay_samples) == (2, 0)
    images = [int(delay.push(_frame(i, value=10 * (i + 1)))[0][0, 0, 0]) for i in range(5)]
    assert images == [10, 10, 10, 20, 30]
    # An offset between frames: the picture moves 2 frames, the voice the remaining 30 ms.
    odd = AvOffsetDelay(-50, FMT.fps, FMT.sample_rate)
    assert (odd.video_delay_frames, odd.audio_delay_samples) == (2, round(0.030 * FMT.sample_rate))
    assert probe_frames(_through_delay(-50), FMT.fps).offset_ms() == pytest.approx(-50.0, abs=1.0)
    assert probe_frames(_through_delay(0), FMT.fps).offset_ms() == pytest.approx(0.0, abs=1.0)


# -- preview window ---------------------------------------------------------------------------
@pytest.fixture
def xvfb_display(tmp_path: Path):
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.skip("Xvfb is not installed (Debian package xvfb)")
    for n in range(91, 120):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            break
    proc = subprocess.Popen([xvfb, f":{n}", "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{n}").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.skip("Xvfb did not start")
        time.sleep(0.05)
    yield f":{n}"
    proc.terminate()
    proc.wait(timeout=5)


def test_output_window_shows_frames_under_xvfb(xvfb_display: str, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("tkinter")
    monkeypatch.setenv("DISPLAY", xvfb_display)
    win = WindowOutput(max_height=160)
    win.open(FMT)
    for i in range(10):
        win.write(_frame(i))
        time.sleep(0.04)
    time.sleep(0.1)
    win.close()
    win.close()
    assert win.frames_received == 10
    assert 1 <= win.frames_shown <= 10


def test_output_window_without_display_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(OutputError, match="no display"):
        WindowOutput().open(FMT)


# -- voice to a PulseAudio null sink --------------------------------------------------------------
@pytest.fixture
def pulse_null_sink(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    pulseaudio, parec = shutil.which("pulseaudio"), shutil.which("parec")
    if pulseaudio is None or parec is None:
        pytest.skip("PulseAudio is not installed (Debian packages pulseaudio, pulseaudio-utils)")
    runtime = tmp_path / "pulse-runtime"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "HOME": str(tmp_path)}
    started = subprocess.run(
        [pulseaudio, "-D", "-n", "--exit-idle-time=-1", "--system=false", "--disallow-exit",
         "--load=module-native-protocol-unix", "--load=module-null-sink sink_name=livebot_out",
         "--load=module-remap-source master=livebot_out.monitor source_name=livebot_mic"],
        env=env, capture_output=True, text=True, timeout=20,
    )
    socket = runtime / "pulse" / "native"
    if started.returncode != 0 or not socket.exists():
        pytest.skip(f"PulseAudio could not start here: {started.stderr.strip()[-200:]}")
    monkeypatch.setenv("PULSE_SERVER", f"unix:{socket}")
    monkeypatch.setenv("PULSE_SINK", "livebot_out")
    yield {**env, "PULSE_SERVER": f"unix:{socket}"}
    pid_file = runtime / "pulse" / "pid"
    if pid_file.exists():
        os.kill(int(pid_file.read_text().split()[0]), 15)


def test_output_audio_device_plays_into_a_pulseaudio_null_sink(pulse_null_sink: dict[str, str],
                                                               tmp_path: Path) -> None:
    pytest.importorskip("sounddevice")
    raw = tmp_path / "mic.raw"
    rec = subprocess.Popen(
        ["parec", "--device=livebot_mic", "--format=s16le", "--rate=44100", "--channels=1",
         "--latency-msec=10", str(raw)],
        env=pulse_null_sink, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        time.sleep(0.3)
        out = AudioDeviceOutput(device="pulse")
        try:
            out.open(FMT)
        except OutputError as exc:
            pytest.skip(f"ALSA pulse device unavailable (libasound2-plugins, libportaudio2): {exc}")
        # 0.4 s silence, 0.6 s of 440 Hz tone at half scale, 0.6 s silence.
        t = np.arange(15 * SPF) / FMT.sample_rate
        tone = (16000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
        pcm = np.concatenate([np.zeros(10 * SPF, np.int16), tone, np.zeros(15 * SPF, np.int16)])
        for i in range(40):
            out.write(StageFrame(index=i, t=i / 25, image=np.zeros((1, 1, 3), np.uint8),
                                 audio=pcm[i * SPF:(i + 1) * SPF], sample_rate=FMT.sample_rate))
        out.close()
        time.sleep(0.4)
    finally:
        rec.terminate()
        rec.wait(timeout=5)
    got = np.frombuffer(raw.read_bytes()[: raw.stat().st_size // 2 * 2], np.int16).astype(np.float32)
    assert got.size > FMT.sample_rate  # at least a second recorded
    env = np.abs(got[: got.size // 441 * 441]).reshape(-1, 441).max(axis=1)  # 10 ms envelope
    loud = np.flatnonzero(env > 8000)
    assert loud.size > 0, "nothing reached the null sink"
    span_ms = (loud[-1] - loud[0] + 1) * 10
    assert 560 <= span_ms <= 640, span_ms  # the 600 ms tone, intact
    assert float(env[loud[0]:loud[-1]].min()) > 8000  # no gap inside it
