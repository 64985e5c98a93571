"""PhotorealAvatar end to end on CPU: prepared clip + user checkpoint + real espeak audio -> frames."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest
from conftest import STAGE_H, STAGE_W

pytest.importorskip("torch", reason="torch (the neural extra) is not installed")

from bot.avatar.avatar_spec import LayoutSpec  # noqa: E402
from bot.avatar.photoreal import PhotorealError, load_photoreal, prepare_avatar  # noqa: E402
from bot.avatar.photoreal.mel import resample  # noqa: E402
from bot.avatar.photoreal.photoreal_renderer import PhotorealAvatar  # noqa: E402
from bot.avatar.render_contract import AvatarRenderer, AvatarState  # noqa: E402
from bot.events import Sentence, SpeechSegment  # noqa: E402
from bot.speech.espeak import EspeakEngine  # noqa: E402

FPS = 25
STAGE_RATE = 44100


@pytest.fixture(scope="module")
def avatar_dir(seller_video, random_checkpoint, tmp_path_factory):
    out = tmp_path_factory.mktemp("photoreal")
    prepare_avatar(seller_video, out, width=STAGE_W, height=STAGE_H, fps=FPS)
    toml = out / "avatar.toml"
    # What the user does after `prepare`: point the commented key at their checkpoint.
    text = toml.read_text().replace('# checkpoint = "/path/to/wav2lip_gan.pth"', f'checkpoint = "{random_checkpoint}"')
    toml.write_text(text.replace('device = "auto"', 'device = "cpu"'))
    return out


@pytest.fixture(scope="module")
def segment() -> SpeechSegment:
    """Real espeak speech, brought to the stage rate (44.1 kHz) as the speech stage hands it over."""
    synthesis = EspeakEngine().synthesize("Red shirt, twelve dollars.", "en")
    stage_pcm = resample(synthesis.pcm.astype(np.float32) / 32768.0, synthesis.sample_rate, STAGE_RATE)
    pcm = np.clip(stage_pcm * 32768.0, -32768, 32767).astype(np.int16)
    sentence = Sentence(reply_id=1, index=0, text="Red shirt, $12.", lang="en")
    return SpeechSegment(sentence=sentence, pcm=pcm, sample_rate=STAGE_RATE)


@pytest.fixture(scope="module")
def avatar(avatar_dir) -> PhotorealAvatar:
    return load_photoreal(avatar_dir, STAGE_W, STAGE_H, FPS)


@pytest.fixture(scope="module")
def clip(avatar: PhotorealAvatar, segment: SpeechSegment) -> list[tuple[AvatarState, np.ndarray]]:
    """The stage's frame clock: frame i carries audio slice i, then three silent frames."""
    speaking = math.ceil(len(segment.pcm) * FPS / STAGE_RATE)
    start = 50
    frames = []
    for i in range(speaking + 3):
        state = AvatarState(
            frame_index=start + i,
            t=(start + i) / FPS,
            segment=segment if i < speaking else None,
            seg_time=i / FPS if i < speaking else 0.0,
        )
        frames.append((state, avatar.render(state)))
    return frames


def test_load_photoreal_gives_a_renderer(avatar: PhotorealAvatar) -> None:
    assert isinstance(avatar, AvatarRenderer)
    assert (avatar.width, avatar.height, avatar.fps) == (STAGE_W, STAGE_H, FPS)
    assert avatar.model.device == "cpu"


def test_frame_count_follows_the_audio(avatar, segment, clip) -> None:
    spoken = [s for s, _ in clip if s.segment is not None]
    assert len(spoken) == math.ceil(segment.duration * FPS)
    assert abs(len(spoken) - segment.duration * FPS) < 1
    # One generated face per spoken frame, none for the silent frames after it.
    assert avatar.generated_frames == len(spoken)
    for _, image in clip:
        assert image.shape == (STAGE_H, STAGE_W, 3) and image.dtype == np.uint8


def test_only_the_lower_face_changes(avatar, clip) -> None:
    prepared = avatar.prepared
    changed_frames = 0
    for state, image in clip:
        idle = prepared.frames[prepared.loop_index(state.frame_index)]
        if state.segment is None:
            assert np.array_equal(image, idle)  # silent: the source video, untouched
            continue
        x1, y1, x2, y2 = prepared.boxes[prepared.loop_index(state.frame_index)]
        outside = np.ones(image.shape[:2], dtype=bool)
        outside[y1:y2, x1:x2] = False
        assert np.array_equal(image[outside], idle[outside])
        upper = y1 + int((y2 - y1) * 0.45)  # the mask starts at 46% of the crop height
        assert np.array_equal(image[y1:upper, x1:x2], idle[y1:upper, x1:x2])
        mouth = (slice(y1 + int((y2 - y1) * 0.7), y2 - int((y2 - y1) * 0.12)), slice(x1 + 20, x2 - 20))
        changed_frames += int(np.abs(image[mouth].astype(int) - idle[mouth].astype(int)).mean() > 2)
    assert changed_frames == sum(s.segment is not None for s, _ in clip)


def test_frame_i_uses_audio_slice_i_whatever_the_batching(avatar_dir, segment, clip) -> None:
    single = load_photoreal(avatar_dir, STAGE_W, STAGE_H, FPS)
    single.batch = 1
    for i in (0, 9, 17):  # out of order, one at a time
        state, batched_image = clip[i]
        alone = single.render(state)
        assert np.abs(alone.astype(int) - batched_image.astype(int)).max() <= 2
    assert single.generated_frames == 3
    # A different audio slice gives a different mouth: the pairing is not arbitrary.
    shifted = AvatarState(frame_index=clip[9][0].frame_index, t=0.0, segment=segment, seg_time=17 / FPS)
    assert np.abs(single.render(shifted).astype(int) - clip[9][1].astype(int)).max() > 2


def test_visemes_and_overlays(avatar, segment, clip) -> None:
    assert avatar.viseme_at(clip[-1][0]) == "X"
    shapes = {avatar.viseme_at(s) for s, _ in clip if s.segment is not None}
    assert shapes & {"B", "C", "D"}
    state = AvatarState(frame_index=3, t=0.12, caption="Áo đỏ chỉ 249.000đ hôm nay", label="AI host")
    plain = avatar.render(AvatarState(frame_index=3, t=0.12))
    drawn = avatar.render(state)
    diff = np.abs(drawn.astype(int) - plain.astype(int)).sum(axis=2) > 0
    # The sprite's layout: label on top, caption in its band, nothing in TikTok's bottom fifth.
    layout = LayoutSpec()
    caption_bottom = round(layout.caption[1] * STAGE_H)
    assert diff[: STAGE_H // 8].any() and diff[caption_bottom - STAGE_H // 20 : caption_bottom].any()
    assert not diff[STAGE_H // 4 : STAGE_H // 2].any()
    assert not diff[round(0.8 * STAGE_H) :].any()


def test_missing_checkpoint_is_named(avatar_dir, tmp_path) -> None:
    copy = tmp_path / "av"
    shutil.copytree(avatar_dir, copy)
    toml = copy / "avatar.toml"
    toml.write_text("\n".join(line for line in toml.read_text().splitlines() if not line.startswith("checkpoint")))
    with pytest.raises(PhotorealError, match="avatar.toml: set checkpoint"):
        load_photoreal(copy, STAGE_W, STAGE_H, FPS)
    toml.write_text(toml.read_text() + '\ncheckpoint = "nowhere.pth"\n')
    with pytest.raises(PhotorealError, match="nowhere.pth: Wav2Lip checkpoint not found"):
        load_photoreal(copy, STAGE_W, STAGE_H, FPS)
    toml.write_text(toml.read_text().replace('kind = "photoreal"', 'kind = "sprite"'))
    with pytest.raises(PhotorealError, match='expected "photoreal"'):
        load_photoreal(copy, STAGE_W, STAGE_H, FPS)


def test_the_answer_board_is_drawn_on_the_photoreal_frame_too(avatar) -> None:
    plain = avatar.render(AvatarState(frame_index=3, t=0.12))
    rows = ("@Lan · Áo thun đỏ basic · 199.000đ", "@王伟 · 红色T恤 · 199.000đ")
    drawn = avatar.render(AvatarState(frame_index=3, t=0.12, board=rows))
    diff = np.abs(drawn.astype(int) - plain.astype(int)).sum(axis=2) > 0
    x, bottom, width = LayoutSpec().board
    band = diff[: round(bottom * STAGE_H)]
    assert band.any() and not diff[round(bottom * STAGE_H) + 2 :].any()  # above the caption band, nowhere else
    assert not diff[:, round((x + width) * STAGE_W) + 2 :].any()  # clear of TikTok's right-hand UI
