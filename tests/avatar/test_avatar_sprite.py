"""The bundled sprite presenter: frames, idle motion, expressions, mouth, overlays, determinism."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.avatar.loader import load_avatar
from bot.avatar.render_contract import AvatarRenderer, AvatarState, ProductCard
from bot.avatar.sprite import SpriteAvatar
from bot.events import PhonemeTiming, Sentence, SpeechSegment
from bot.paths import DEFAULT_AVATAR_DIR

W, H = 720, 1280


@pytest.fixture(scope="module")
def avatar() -> SpriteAvatar:
    av = load_avatar(DEFAULT_AVATAR_DIR)
    assert isinstance(av, SpriteAvatar)
    return av


def _state(t: float = 0.0, **kw) -> AvatarState:
    return AvatarState(frame_index=round(t * 25), t=t, **kw)


def _segment(phonemes: list[tuple[str, float, float]], duration: float = 1.0) -> SpeechSegment:
    sentence = Sentence(reply_id=1, index=0, text="ma", lang="vi")
    return SpeechSegment(sentence=sentence, pcm=np.zeros(int(22050 * duration), np.int16), sample_rate=22050,
                         phonemes=[PhonemeTiming(*p) for p in phonemes])


def _region(frame: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    x0, y0, x1, y1 = box
    return frame[y0:y1, x0:x1].astype(np.int16)


MOUTH_BOX = (300, 570, 420, 680)  # around the mouth anchor (360, 622) with room for sway
EYES_BOX = (270, 480, 450, 560)


def test_is_an_avatar_renderer_and_renders_rgb_frames(avatar: SpriteAvatar) -> None:
    assert isinstance(avatar, AvatarRenderer)
    frame = avatar.render(_state(0.0))
    assert frame.shape == (H, W, 3) and frame.dtype == np.uint8
    assert frame.std() > 20  # a picture, not a flat fill


def test_full_hd_frames_scale_the_layout() -> None:
    big = load_avatar(DEFAULT_AVATAR_DIR, width=1080, height=1920)
    frame = big.render(_state(0.5, caption="Xin chào", label="AI host"))
    assert frame.shape == (1920, 1080, 3) and frame.dtype == np.uint8
    small = load_avatar(DEFAULT_AVATAR_DIR).render(_state(0.5, caption="Xin chào", label="AI host"))
    # Same picture, 1.5× bigger: compare after shrinking the big frame.
    shrunk = frame[::3, ::3].astype(np.int16)
    ref = small[::2, ::2].astype(np.int16)
    assert shrunk.shape == ref.shape
    assert np.abs(shrunk - ref).mean() < 12


def test_blinks_within_a_few_seconds_of_idle(avatar: SpriteAvatar) -> None:
    states = [avatar.eyes_at(i / 25) for i in range(25 * 8)]
    assert "closed" in states and states.count("open") > 0.8 * len(states)
    open_frame = next(i for i, s in enumerate(states) if s == "open")
    closed_frame = states.index("closed")
    assert closed_frame / 25 < 6.0
    a = _region(avatar.render(_state(open_frame / 25)), EYES_BOX)
    b = _region(avatar.render(_state(closed_frame / 25)), EYES_BOX)
    assert np.abs(a - b).mean() > 3  # the eyes really close on screen


def test_breathing_moves_the_body_over_time(avatar: SpriteAvatar) -> None:
    shoulders = (60, 850, 660, 1000)
    a = _region(avatar.render(_state(0.0)), shoulders)
    b = _region(avatar.render(_state(2.1)), shoulders)  # half a breath later
    assert np.abs(a - b).mean() > 0.5


def test_smile_changes_mouth_and_face(avatar: SpriteAvatar) -> None:
    t = 0.0  # eyes open at t=0 (first blink comes later)
    neutral = avatar.render(_state(t, expression="neutral"))
    smile = avatar.render(_state(t, expression="smile"))
    assert np.abs(_region(neutral, MOUTH_BOX) - _region(smile, MOUTH_BOX)).mean() > 2
    assert np.abs(_region(neutral, (260, 440, 460, 500)) - _region(smile, (260, 440, 460, 500))).mean() > 1  # brows
    # An expression the avatar lacks shows neutral rather than failing.
    assert np.array_equal(avatar.render(_state(t, expression="sleepy")), neutral)


def test_mouth_follows_the_segment(avatar: SpriteAvatar) -> None:
    seg = _segment([("m", 0.0, 0.2), ("a", 0.2, 0.6), ("", 0.6, 1.0)])
    assert avatar.viseme_at(_state(0.0)) == "X"
    assert avatar.viseme_at(_state(0.1, segment=seg, seg_time=0.08)) == "A"
    assert avatar.viseme_at(_state(0.4, segment=seg, seg_time=0.4)) == "D"
    assert avatar.viseme_at(_state(0.9, segment=seg, seg_time=0.9)) == "X"
    assert avatar.track_for(seg) is avatar.track_for(seg)  # built once per segment
    closed = _segment([("m", 0.0, 1.0)])
    # Same time in both segments, so the speaking nod is the same and only the mouth differs.
    lips_pressed = avatar.render(_state(0.4, segment=closed, seg_time=0.4))
    open_wide = avatar.render(_state(0.4, segment=seg, seg_time=0.4))
    diff = np.abs(lips_pressed.astype(np.int16) - open_wide.astype(np.int16)).sum(axis=2)
    ys, xs = np.nonzero(diff > 30)
    assert len(ys) > 300
    assert ys.min() > 570 and ys.max() < 690 and xs.min() > 290 and xs.max() < 430


def test_label_caption_and_card_are_drawn_where_the_layout_says(avatar: SpriteAvatar) -> None:
    base = avatar.render(_state(0.0))
    card = ProductCard(sku="AO-DO-01", name="Áo sơ mi đỏ", price_text="249.000đ", promo_text="Giảm 20%")
    full = avatar.render(_state(0.0, label="AI host", caption="Chào cả nhà, áo đỏ chỉ 249.000đ!", product=card))
    changed = np.abs(full.astype(np.int16) - base.astype(np.int16)).sum(axis=2) > 40
    label_y, card_y = round(0.095 * H), round(0.135 * H)
    assert changed[label_y:label_y + 30, 30:150].mean() > 0.2
    assert changed[card_y + 20:card_y + 120, 40:300].mean() > 0.2
    caption_bottom = round(0.785 * H)
    assert changed[caption_bottom - 60:caption_bottom, 60:600].mean() > 0.2
    # TikTok's UI zones stay clear: the bottom fifth and the right edge.
    assert not changed[round(0.8 * H):, :].any()
    assert not changed[:, W - 60:].any()


@pytest.mark.parametrize("caption", ["Cảm ơn Lan đã tặng 5 bông hồng! Áo đỏ giá 249.000đ ạ.",
                                     "谢谢小明送的玫瑰！红色上衣只要¥59。",
                                     "Mixed 混合 tiếng Việt " * 12])
def test_vietnamese_and_chinese_captions_render(avatar: SpriteAvatar, caption: str) -> None:
    frame = avatar.render(_state(1.0, caption=caption))
    assert frame.shape == (H, W, 3)
    patch = avatar.overlays.caption(caption)
    assert patch.y + patch.height <= round(0.8 * H) and patch.x + patch.width <= W - 60


def test_card_with_missing_image_still_renders(avatar: SpriteAvatar, tmp_path: Path) -> None:
    card = ProductCard(sku="X1", name="Túi xách", price_text="$12.99", image=str(tmp_path / "nope.png"))
    frame = avatar.render(_state(0.0, product=card))
    assert frame.shape == (H, W, 3)
    from PIL import Image

    pic = tmp_path / "bag.png"
    Image.new("RGB", (200, 200), (0, 200, 0)).save(pic)
    with_pic = avatar.render(_state(0.0, product=ProductCard(sku="X1", name="Túi xách", price_text="$12.99",
                                                             image=str(pic))))
    green = (with_pic[..., 1] > 180) & (with_pic[..., 0] < 40) & (with_pic[..., 2] < 40)
    assert green[150:450, 30:200].sum() > 2000  # the thumbnail is on the card


def test_same_seed_same_frames_different_seed_different_blinks() -> None:
    from bot.avatar.avatar_spec import parse_sprite_spec, read_toml

    spec = parse_sprite_spec(DEFAULT_AVATAR_DIR, read_toml(DEFAULT_AVATAR_DIR / "avatar.toml"))
    a, b, c = SpriteAvatar(spec, seed=1), SpriteAvatar(spec, seed=1), SpriteAvatar(spec, seed=2)
    times = [i / 25 for i in range(0, 250, 7)]
    for t in times:
        assert np.array_equal(a.render(_state(t, caption="x")), b.render(_state(t, caption="x")))
    assert [a.eyes_at(i / 25) for i in range(500)] != [c.eyes_at(i / 25) for i in range(500)]
    # Time can go backwards (a seek, a re-render): the same t gives the same frame.
    assert np.array_equal(a.render(_state(0.52)), b.render(_state(0.52)))


def test_the_answer_board_shows_rows_above_the_caption_and_goes_when_empty(avatar: SpriteAvatar) -> None:
    plain = avatar.render(_state(0.5))
    rows = ("@Lan · Áo thun đỏ basic · 199.000đ", "@王伟 · 红色T恤 · 199.000đ", "@Emma · Red T-shirt · 199.000đ")
    one = avatar.render(_state(0.5, board=rows[:1]))
    three = avatar.render(_state(0.5, board=rows))
    diff_one = np.abs(one.astype(int) - plain.astype(int)).sum(axis=2) > 0
    diff_three = np.abs(three.astype(int) - plain.astype(int)).sum(axis=2) > 0
    assert diff_one.any() and diff_three.sum() > 2 * diff_one.sum()  # each waiting question is a row
    bottom = round(avatar.spec.layout.board[1] * avatar.height)
    assert not diff_three[bottom + 2 :].any()  # rows stack upwards from above the caption
    assert np.array_equal(avatar.render(_state(0.5, board=())), plain)  # an empty board draws nothing
