"""MP4 / FLV round trips through real PyAV: flash+beep stay within one frame, durations agree."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from bot.events import StageFrame
from bot.output.calibration import calibration_frames, probe_media
from bot.output.factory import build_output, open_output
from bot.output.null import NullOutput
from bot.output.sink import Output, OutputError, StreamFormat

# A small picture keeps the test fast; the timing logic does not depend on size.
FMT = StreamFormat(width=180, height=320, fps=25, sample_rate=44100)
FRAME_MS = 1000 / FMT.fps


@pytest.mark.parametrize("suffix", [".mp4", ".flv"])
def test_output_file_round_trip_keeps_voice_on_the_mouth(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"cal{suffix}"
    out = open_output(str(path), FMT)
    for frame in calibration_frames(FMT, seconds=4.0):
        out.write(frame)
    out.close()
    out.close()  # twice is safe

    probe = probe_media(path)
    assert probe.video_frames == 100
    assert len(probe.flashes) == 4 and len(probe.beeps) == 4
    offsets = probe.offsets_ms()
    assert len(offsets) == 4
    assert all(abs(o) <= FRAME_MS for o in offsets), offsets
    assert abs((probe.video_end - probe.video_start) - 4.0) < 1e-6
    # On the shared timeline both streams start and end within one frame of each other (the AAC
    # tail is padded to whole 1024-sample packets, FLV shifts by the encoder priming of 23 ms).
    assert abs(probe.audio_start - probe.video_start) <= FRAME_MS / 1000, probe
    assert abs(probe.audio_end - probe.video_end) <= FRAME_MS / 1000, probe


def test_output_mp4_streams_are_h264_aac_mono_44k(tmp_path: Path) -> None:
    path = tmp_path / "codec.mp4"
    out = open_output(str(path), FMT)
    for frame in calibration_frames(FMT, seconds=0.5):
        out.write(frame)
    out.close()
    with av.open(str(path)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        assert v.codec_context.name == "h264" and v.codec_context.pix_fmt == "yuv420p"
        assert (v.codec_context.width, v.codec_context.height) == (FMT.width, FMT.height)
        assert a.codec_context.name == "aac" and a.codec_context.sample_rate == 44100
        assert a.codec_context.layout.name == "mono"


def test_output_skipped_frames_keep_sync_and_resampled_audio(tmp_path: Path) -> None:
    """Frames at 22.05 kHz (resampled to 44.1 kHz AAC) with dropped indices: the flash after the
    gap still meets its beep, and the audio spans the whole timeline (silence in the gap)."""
    fmt22 = StreamFormat(width=FMT.width, height=FMT.height, fps=25, sample_rate=22050)
    path = tmp_path / "gaps.mp4"
    out = open_output(str(path), fmt22)
    for frame in calibration_frames(fmt22, seconds=3.0):
        if 30 <= frame.index < 35:  # the clock dropped five frames
            continue
        out.write(frame)
    out.close()
    probe = probe_media(path)
    assert probe.video_frames == 70
    assert all(abs(o) <= FRAME_MS for o in probe.offsets_ms()) and len(probe.offsets_ms()) == 3
    assert abs(probe.audio_end - probe.video_end) <= FRAME_MS / 1000, probe


def test_output_unwritable_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist"):
        open_output(str(tmp_path / "missing" / "x.mp4"), FMT)
    taken = tmp_path / "taken.mp4"
    taken.mkdir()  # a folder where the file should go: unwritable even for root
    with pytest.raises(OutputError, match="cannot open"):
        open_output(str(taken), FMT)


def test_output_wrong_frame_size_is_rejected(tmp_path: Path) -> None:
    out = open_output(str(tmp_path / "x.mp4"), FMT)
    bad = StageFrame(index=0, t=0.0, image=np.zeros((10, 10, 3), np.uint8),
                     audio=np.zeros(1764, np.int16), sample_rate=44100)
    with pytest.raises(OutputError, match="10×10"):
        out.write(bad)
    out.close()


def test_output_factory_specs() -> None:
    assert isinstance(build_output("none"), NullOutput)
    for spec in ("none", "window", "virtualcam", "a.mp4", "a.flv", "rtmps://h/app/k", "udp://127.0.0.1:9"):
        assert isinstance(build_output(spec), Output), spec
    assert build_output("rtmp://live.example/app/SECRETKEY").name == "rtmp://live.example/app/***"
    assert build_output("rtmp://live.example/app/SECRETKEY").realtime is True
    assert build_output("udp://127.0.0.1:5000").realtime is True
    assert build_output("show.MP4").realtime is False
    with pytest.raises(OutputError, match="not known"):
        build_output("show.avi")
    with pytest.raises(OutputError, match="unknown output setting"):
        build_output("none", colour="red")


def test_output_unreachable_rtmp_server_is_a_clear_error() -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(OutputError, match=r"cannot open") as err:
        open_output(f"rtmp://127.0.0.1:{port}/live/KEY123", FMT)
    assert "KEY123" not in str(err.value)


def test_output_audio_slice_of_wrong_length_is_fitted_and_sync_holds(tmp_path: Path) -> None:
    path = tmp_path / "fit.mp4"
    out = open_output(str(path), FMT)
    for frame in calibration_frames(FMT, seconds=3.0):
        if frame.index == 5:  # one slice too short, one too long, before the flashes
            frame.audio = frame.audio[:1000]
        if frame.index == 6:
            frame.audio = np.zeros(2500, np.int16)
        out.write(frame)
    with pytest.raises(OutputError, match="22050 Hz"):
        out.write(StageFrame(index=200, t=8.0, image=np.zeros((FMT.height, FMT.width, 3), np.uint8),
                             audio=np.zeros(882, np.int16), sample_rate=22050))
    out.close()
    probe = probe_media(path)
    assert len(probe.offsets_ms()) == 3 and all(abs(o) <= FRAME_MS for o in probe.offsets_ms())
    assert abs(probe.audio_end - probe.video_end) <= FRAME_MS / 1000


def test_output_calibration_command_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.output.calibration import main

    path = tmp_path / "cal.mp4"
    assert main(["play", str(path), "--seconds", "2"]) == 0
    assert main(["measure", str(path)]) == 0
    assert "in sync; 2 flash/beep pairs" in capsys.readouterr().out
    assert main(["measure", str(tmp_path / "missing.mp4")]) == 1
    assert "cannot open" in capsys.readouterr().out
