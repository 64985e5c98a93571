"""The generator's state-dict layout matches published Wav2Lip checkpoints; the user load path works."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="torch (the neural extra) is not installed")

from bot.avatar.photoreal.errors import PhotorealError  # noqa: E402
from bot.avatar.photoreal.wav2lip import (  # noqa: E402
    PARAMETER_COUNT,
    STATE_DICT_ENTRIES,
    Wav2LipGenerator,
    load_generator,
)


@pytest.fixture(scope="module")
def state() -> dict:
    return Wav2LipGenerator().state_dict()


def test_parameter_count_and_entries_match_published_checkpoints(state: dict) -> None:
    model = Wav2LipGenerator()
    assert sum(p.numel() for p in model.parameters()) == PARAMETER_COUNT == 36_298_035
    assert len(state) == STATE_DICT_ENTRIES == 352


@pytest.mark.parametrize(
    ("key", "shape"),
    [
        ("face_encoder_blocks.0.0.conv_block.0.weight", (16, 6, 7, 7)),
        ("face_encoder_blocks.1.2.conv_block.1.running_var", (32,)),
        ("face_encoder_blocks.6.1.conv_block.0.weight", (512, 512, 1, 1)),
        ("audio_encoder.0.conv_block.0.weight", (32, 1, 3, 3)),
        ("audio_encoder.12.conv_block.0.weight", (512, 512, 1, 1)),
        ("face_decoder_blocks.1.0.conv_block.0.weight", (1024, 512, 3, 3)),  # ConvTranspose: (in, out, k, k)
        ("face_decoder_blocks.6.0.conv_block.0.weight", (160, 64, 3, 3)),
        ("face_decoder_blocks.3.2.conv_block.1.num_batches_tracked", ()),
        ("output_block.0.conv_block.0.weight", (32, 80, 3, 3)),
        ("output_block.1.weight", (3, 32, 1, 1)),
        ("output_block.1.bias", (3,)),
    ],
)
def test_key_shapes(state: dict, key: str, shape: tuple[int, ...]) -> None:
    assert tuple(state[key].shape) == shape


def test_block_counts(state: dict) -> None:
    top = {k.split(".")[0] for k in state}
    assert top == {"face_encoder_blocks", "audio_encoder", "face_decoder_blocks", "output_block"}
    assert len({k.split(".")[1] for k in state if k.startswith("face_encoder_blocks")}) == 7
    assert len({k.split(".")[1] for k in state if k.startswith("face_decoder_blocks")}) == 7
    assert len({k.split(".")[1] for k in state if k.startswith("audio_encoder")}) == 13


def test_forward_shapes() -> None:
    model = Wav2LipGenerator().eval()
    with torch.inference_mode():
        out = model(torch.randn(2, 1, 80, 16), torch.rand(2, 6, 96, 96))
    assert out.shape == (2, 3, 96, 96)
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0


def test_load_generator_strips_module_prefix(random_checkpoint) -> None:
    model = load_generator(random_checkpoint, "cpu")
    saved = torch.load(random_checkpoint, map_location="cpu", weights_only=True)["state_dict"]
    key = "face_decoder_blocks.2.1.conv_block.0.weight"
    assert torch.equal(model.state_dict()[key], saved[f"module.{key}"])
    assert not model.training


def test_bare_state_dict_loads(tmp_path, random_checkpoint) -> None:
    saved = torch.load(random_checkpoint, map_location="cpu", weights_only=True)["state_dict"]
    bare = tmp_path / "bare.pth"
    torch.save({k.removeprefix("module."): v for k, v in saved.items()}, bare)
    model = load_generator(bare, "cpu")
    assert torch.equal(model.state_dict()["output_block.1.bias"], saved["module.output_block.1.bias"])


class _Opaque:
    """Not an allow-listed type: the safe loader refuses to unpickle it."""

    def __init__(self) -> None:
        self.note = "trusted only"


def test_unsafe_pickle_needs_trust(tmp_path, random_checkpoint) -> None:
    saved = torch.load(random_checkpoint, map_location="cpu", weights_only=True)
    odd = tmp_path / "odd.pth"
    torch.save({**saved, "extra": _Opaque()}, odd)
    with pytest.raises(PhotorealError, match="trusted_checkpoint"):
        load_generator(odd, "cpu")
    model = load_generator(odd, "cpu", trusted=True)
    assert sum(p.numel() for p in model.parameters()) == PARAMETER_COUNT


def test_wrong_checkpoint_is_named(tmp_path) -> None:
    other = tmp_path / "other.pth"
    torch.save({"state_dict": {"module.fc.weight": torch.zeros(2, 2)}}, other)
    with pytest.raises(PhotorealError, match="other.pth.*not a Wav2Lip generator"):
        load_generator(other, "cpu")
    with pytest.raises(PhotorealError, match="not found"):
        load_generator(tmp_path / "missing.pth", "cpu")
