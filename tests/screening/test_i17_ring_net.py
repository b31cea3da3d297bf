"""Issue 17: the ring network's file (``screening/ringnet.py``) is checked by digest and its
numpy forward pass is the trained network's; training is reproducible. The torch tests need the
vision-train extra and are skipped without it. No network is shipped yet (see the module)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from ringfence.core.errors import InvalidInput
from ringfence.screening import ringnet, ringnet_data


def _random_net() -> bytes:
    rng = np.random.default_rng(0)
    layers, c = [], 3
    for out, k, s in [(8, 4, 4), (8, 3, 2), (8, 3, 2), (8, 3, 1), (8, 3, 1), (1, 1, 1)]:
        layers.append((rng.normal(0, 0.2, (k, k, c, out)).astype(np.float32),
                       np.zeros(out, np.float32), s))  # fmt: skip
        c = out
    return ringnet.dumps(layers, {"strong": 0.9, "weak": 0.6})


def test_i17_network_file_round_trips_and_is_read_only_with_its_digest(tmp_path: Path) -> None:
    data = _random_net()
    assert _random_net() == data  # the same arrays give the same bytes
    path = tmp_path / "ringnet.bin"
    path.write_bytes(data)
    net = ringnet.load(path, hashlib.sha256(data).hexdigest())
    assert (net.weak, net.strong) == (0.6, 0.9)
    p, box = net.score(ringnet_data.sample(1, (300, 240)).rgb)
    assert 0.0 <= p <= 1.0
    assert 0 <= box[0] < box[2] <= 300
    assert 0 <= box[1] < box[3] <= 240
    changed = bytearray(data)
    changed[-1] ^= 1  # one bit of one weight
    path.write_bytes(bytes(changed))
    with pytest.raises(ringnet.ModelFileMismatch, match="SHA-256") as err:
        ringnet.load(path, hashlib.sha256(data).hexdigest())
    assert err.value.code == "model_digest_mismatch"
    with pytest.raises(ringnet.ModelFileMismatch):
        ringnet.load(path)  # not the shipped file: a digest must be given


def test_i17_no_network_is_shipped_yet() -> None:
    assert ringnet.SHA256 is None
    with pytest.raises(InvalidInput, match="no ring network is shipped"):
        ringnet.load()


@pytest.mark.parametrize(
    "junk", [b"", b"not json\n", b'{"format": "other"}\n', b'{"format": "ringfence-ringnet/1"}']
)
def test_i17_a_file_that_is_not_a_network_is_refused(junk: bytes) -> None:
    with pytest.raises((InvalidInput, KeyError)):
        ringnet.loads(junk)


def test_i17_numpy_forward_pass_is_the_torch_network() -> None:
    torch = pytest.importorskip("torch")
    from ringfence.screening import ringnet_train

    torch.manual_seed(0)
    model = ringnet_train.build_torch()
    for module in model.modules():  # batch normalisation with statistics, to test the folding
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.2, 0.2)
    model.eval()
    net = ringnet.loads(ringnet.dumps(ringnet_train.export(model), {"strong": 0.9, "weak": 0.5}))
    rgb = ringnet_data.sample(5, (200, 168)).rgb
    x = torch.from_numpy((rgb.astype(np.float32) / 255 - 0.5).transpose(2, 0, 1)[None].copy())
    expected = model(x)[0, 0].detach().numpy()
    assert np.abs(net.logits(rgb) - expected).max() < 1e-4


def test_i17_training_is_reproducible() -> None:
    pytest.importorskip("torch")
    from ringfence.screening import ringnet_train

    first = ringnet_train.train(samples=128, steps=20, dev=8)
    second = ringnet_train.train(samples=128, steps=20, dev=8)
    assert first.data == second.data
    assert ringnet.loads(first.data).meta["dev"]["n"] == 8


def test_i17_ring_test_set_is_balanced_and_covers_every_kind() -> None:
    from tests.screening import rings_test

    photos = [rings_test.photo(k) for k in range(28)]
    assert {p.kind for p in photos if p.rings} == {"colour", "mono"}
    assert {p.kind for p in photos if not p.rings} == set(rings_test.DECOYS)
    assert all(6 <= p.radius <= 31 for p in photos)
