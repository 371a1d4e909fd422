import numpy as np
import pytest
import torch

import d2lite as d2l


def test_default_device_is_available(monkeypatch):
    monkeypatch.delenv("D2LITE_DEVICE", raising=False)
    dev = d2l.get_device()
    assert dev.type in ("cpu", "cuda", "mps")
    torch.zeros(1, device=dev)  # usable


def test_env_var_overrides(monkeypatch):
    monkeypatch.setenv("D2LITE_DEVICE", "cpu")
    assert d2l.get_device() == torch.device("cpu")


@pytest.mark.parametrize("name, err", [("tpu", ValueError), (3, TypeError)])
def test_bad_device_names(name, err):
    with pytest.raises(err, match="device"):
        d2l.get_device(name)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_unavailable_device_says_so():
    with pytest.raises(ValueError, match="not available"):
        d2l.get_device("cuda")


def test_to_device_handles_nesting():
    batch = {"x": torch.ones(2), "pair": (torch.zeros(1), [torch.ones(3)]), "n": 5}
    out = d2l.to_device(batch, torch.device("cpu"))
    assert out["n"] == 5 and isinstance(out["pair"], tuple) and out["pair"][1][0].shape == (3,)


def test_set_seed_repeats_all_three_generators():
    import random

    def draw():
        return random.random(), np.random.rand(), torch.rand(1).item()

    d2l.set_seed(7)
    first = draw()
    d2l.set_seed(7)
    assert draw() == first
    d2l.set_seed(8)
    assert draw() != first


@pytest.mark.parametrize("seed, err", [(1.5, TypeError), ("1", TypeError), (True, TypeError), (-1, ValueError)])
def test_set_seed_rejects_bad_seeds(seed, err):
    with pytest.raises(err, match="seed"):
        d2l.set_seed(seed)
