import gzip
import struct

import numpy as np
import pytest
import torch

import d2lite as d2l


def test_synthetic_regression_recovers_weights():
    X, y = d2l.synthetic_regression(w=[2.0, -3.4], b=4.2, num_examples=500, noise=0.01, seed=1)
    assert X.shape == (500, 2) and y.shape == (500,)
    A = torch.cat([X, torch.ones(500, 1)], dim=1)
    sol = torch.linalg.lstsq(A, y.unsqueeze(1)).solution.squeeze()
    assert torch.allclose(sol, torch.tensor([2.0, -3.4, 4.2]), atol=0.01)


def test_synthetic_regression_is_seeded():
    a = d2l.synthetic_regression(w=[1.0], seed=3)[1]
    assert torch.equal(a, d2l.synthetic_regression(w=[1.0], seed=3)[1])
    assert not torch.equal(a, d2l.synthetic_regression(w=[1.0], seed=4)[1])


@pytest.mark.parametrize("kwargs, err, match", [
    (dict(w=[[1.0]]), ValueError, "1-D"),
    (dict(w=[1.0], num_examples=0), ValueError, "num_examples"),
    (dict(w=[1.0], num_examples=2.5), TypeError, "num_examples"),
    (dict(w=[1.0], noise=-1), ValueError, "noise"),
])
def test_synthetic_regression_bad_input(kwargs, err, match):
    with pytest.raises(err, match=match):
        d2l.synthetic_regression(**kwargs)


@pytest.mark.parametrize("name", d2l.data.TOY_SETS)
def test_toy_sets(name):
    X, y = d2l.toy_2d(name, num_examples=100)
    assert X.shape == (100, 2) and X.dtype == torch.float32
    assert y.dtype == torch.int64 and set(y.tolist()) == {0, 1}


def test_toy_set_unknown_name():
    with pytest.raises(ValueError, match="moons"):
        d2l.toy_2d("spirals")


def test_digits8_split():
    s = d2l.load_images("digits8", test_fraction=0.25)
    assert s.X_train.shape[1:] == (1, 8, 8) and len(s.X_train) + len(s.X_test) == 1797
    assert 0.0 <= s.X_train.min() and s.X_train.max() <= 1.0
    assert abs(len(s.X_test) / 1797 - 0.25) < 0.01 and s.classes[0] == "0"
    assert d2l.load_images("digits8", flatten=True).X_train.shape[1] == 64


def test_mnist28_is_real_and_balanced():
    s = d2l.load_images("mnist28")
    assert s.X_train.shape == (4000, 1, 28, 28) and s.X_test.shape == (1000, 1, 28, 28)
    assert torch.bincount(s.y_test).tolist() == [100] * 10  # stratified split of 500 per class
    assert s.X_train.mean() > 0.05  # real strokes, not blank images


def _write_idx(path, array):
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">HBB", 0, 8, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape))
        f.write(array.astype(np.uint8).tobytes())


def test_fashion_reads_idx_files(tmp_path):
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 12), ("t10k", 5)):
        _write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)))
        _write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", rng.integers(0, 10, n))
    s = d2l.load_images("fashion28", root=tmp_path)
    assert s.X_train.shape == (12, 1, 28, 28) and s.X_test.shape == (5, 1, 28, 28)
    assert s.X_train.max() <= 1.0 and s.classes[-1] == "ankle boot"


def test_fashion_missing_says_how_to_install(tmp_path):
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        d2l.load_images("fashion28", root=tmp_path)


def test_fashion_corrupt_file_is_reported(tmp_path):
    for prefix in ("train", "t10k"):
        _write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", np.zeros((3, 28, 28)))
        _write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", np.zeros(4))  # one label too many
    with pytest.raises(ValueError, match="labels"):
        d2l.load_images("fashion28", root=tmp_path)


@pytest.mark.parametrize("kwargs, err, match", [
    (dict(name="cifar"), ValueError, "digits8"),
    (dict(name="digits8", test_fraction=1.5), ValueError, "test_fraction"),
])
def test_load_images_bad_input(kwargs, err, match):
    with pytest.raises(err, match=match):
        d2l.load_images(**kwargs)


def test_make_loader_batches_and_shuffles_reproducibly():
    X, y = torch.arange(10.0).unsqueeze(1), torch.arange(10)
    order = lambda: torch.cat([yb for _, yb in d2l.make_loader(X, y, batch_size=4, seed=1)]).tolist()
    assert order() == order() and sorted(order()) == list(range(10)) and order() != list(range(10))
    assert [len(b[1]) for b in d2l.make_loader(X, y, batch_size=4, shuffle=False)] == [4, 4, 2]


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("batch_size", [1, 3, 7, 64])
def test_tensor_loader_yields_the_default_loaders_batches(shuffle, batch_size):
    X, y, z = torch.randn(50, 2, 3), torch.arange(50), torch.rand(50) > 0.5
    fast = d2l.tensor_loader(X, y, z, batch_size=batch_size, shuffle=shuffle, seed=3)
    plain = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y, z), batch_size, shuffle=shuffle,
                                        generator=torch.Generator().manual_seed(3))
    assert len(fast) == len(plain)
    for _ in range(3):  # epoch after epoch: the order moves on the same way
        a, b = list(fast), list(plain)
        assert len(a) == len(b)
        for ba, bb in zip(a, b):
            assert len(ba) == 3 and all(torch.equal(u, v) for u, v in zip(ba, bb))


@pytest.mark.parametrize("args, kwargs, err, match", [
    ((), dict(batch_size=2), ValueError, "at least one tensor"),
    ((torch.ones(3), [1, 2, 3]), dict(batch_size=2), TypeError, r"tensors\[1\] must be a torch.Tensor.*, got list"),
    ((torch.ones(3), torch.ones(4)), dict(batch_size=2), ValueError, r"same number of rows, got \[3, 4\]"),
    ((torch.ones(3),), dict(batch_size=2.0), TypeError, "batch_size must be a positive int, got float 2.0"),
    ((torch.ones(3),), dict(batch_size=0), ValueError, "batch_size must be a positive int, got 0"),
    ((torch.ones(3),), dict(batch_size=2, num_workers=True), TypeError, "num_workers"),
])
def test_tensor_loader_bad_input(args, kwargs, err, match):
    with pytest.raises(err, match=match):
        d2l.tensor_loader(*args, **kwargs)


@pytest.mark.parametrize("args, kwargs, err, match", [
    ((torch.ones(3, 1), torch.ones(2)), dict(batch_size=2), ValueError, "same number of rows"),
    ((np.ones((3, 1)), torch.ones(3)), dict(batch_size=2), TypeError, "torch.Tensor"),
    ((torch.ones(3, 1), torch.ones(3)), dict(batch_size=0), ValueError, "batch_size"),
    ((torch.ones(3, 1), torch.ones(3)), dict(batch_size=2, num_workers=-1), ValueError, "num_workers"),
])
def test_make_loader_bad_input(args, kwargs, err, match):
    with pytest.raises(err, match=match):
        d2l.make_loader(*args, **kwargs)


def test_cache_is_reused_and_rebuilt_when_corrupt(tmp_path, monkeypatch):
    monkeypatch.setenv("D2LITE_CACHE_DIR", str(tmp_path))
    calls = []

    def build():
        calls.append(1)
        return np.ones((3, 4), np.float32), np.arange(3, dtype=np.int64), 2

    from d2lite.data import cached

    first = cached("toy", build)
    again = cached("toy", build)
    assert len(calls) == 1 and np.array_equal(first[0], again[0]) and again[2] == 2
    (tmp_path / "toy.npz").write_bytes(b"not a zip file")
    cached("toy", build)
    assert len(calls) == 2  # the corrupt file was rebuilt
    assert cached("toy", build)[1].tolist() == [0, 1, 2] and len(calls) == 2


def test_stratified_split_is_sklearns_and_is_cached(tmp_path, monkeypatch):
    from sklearn.model_selection import train_test_split

    from d2lite.data import stratified_split

    monkeypatch.setenv("D2LITE_CACHE_DIR", str(tmp_path))
    y = np.repeat(np.arange(5), 40)
    want = train_test_split(np.arange(len(y)), test_size=0.25, stratify=y, random_state=7)
    first = stratified_split(y, test_fraction=0.25, seed=7)
    assert all(np.array_equal(a, b) for a, b in zip(first, want))
    assert np.bincount(y[first[1]]).tolist() == [10] * 5                 # stratified
    files = list(tmp_path.glob("split-*.npz"))
    assert len(files) == 1
    files[0].write_bytes(b"not an npz")                                     # corrupt: split again
    assert all(np.array_equal(a, b) for a, b in zip(stratified_split(y, test_fraction=0.25, seed=7), want))
    other = stratified_split(y, test_fraction=0.25, seed=8)                # another seed, another file
    assert not np.array_equal(other[1], want[1]) and len(list(tmp_path.glob("split-*.npz"))) == 2
    with pytest.raises(ValueError, match="test_fraction"):
        stratified_split(y, test_fraction=1.5)
