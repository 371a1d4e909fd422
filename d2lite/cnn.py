"""Convolutional architectures, small enough to train on a laptop CPU (chapter 6).

LeNet, the blocks that later networks are built from (VGG, NiN, Inception, residual), batch
normalisation written out by hand, and a builder for a small ResNet. Every model is a plain
``nn.Module`` with keyword-only arguments; images are batch-first ``(n, channels, H, W)``.
Each ``forward`` checks that it got 4-D images with the channel count it was built for, so a
mistake says what was expected instead of failing deep inside a convolution.
"""
from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from ._checks import boolean, images, non_negative_int, positive_float, positive_int, probability, tensor

__all__ = ["LeNet", "VGGBlock", "NiNBlock", "Inception", "batch_norm", "BatchNorm", "Residual",
           "small_resnet", "count_parameters"]


class _Checked(nn.Sequential):
    """An ``nn.Sequential`` whose input must be 4-D images with ``in_channels`` channels."""

    def __init__(self, *layers, in_channels: int):
        super().__init__(*layers)
        self.in_channels = in_channels

    def __getitem__(self, idx):
        if isinstance(idx, slice):  # a slice is a plain Sequential: its first layer may differ
            return nn.Sequential(OrderedDict(list(self._modules.items())[idx]))
        return super().__getitem__(idx)

    def forward(self, X):
        images("X", X, self.in_channels, who="small_resnet" if type(self) is _Checked else type(self).__name__)
        return super().forward(X)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable scalars in ``model``."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# --- LeNet ----------------------------------------------------------------------------------
class LeNet(_Checked):
    """LeNet-5 with ReLU and max pooling: two 5×5 convolutions, then three dense layers.

    conv(6, 5×5, pad 2) → pool 2 → conv(16, 5×5) → pool 2 → 120 → 84 → ``num_classes``.

    Args:
        in_channels: channels of the input images.
        num_classes: number of output logits.
        image_size: side ``S`` of the square input images (at least 12, so that something is
            left after the second convolution and pooling).

    Shapes: ``(n, in_channels, S, S)`` → ``(n, num_classes)``.
    """

    def __init__(self, *, in_channels: int = 1, num_classes: int = 10, image_size: int = 28):
        in_channels = positive_int("in_channels", in_channels)
        positive_int("num_classes", num_classes)
        if positive_int("image_size", image_size) < 12:
            raise ValueError(f"LeNet needs image_size >= 12 (5×5 convolutions and two 2×2 pools), "
                             f"got {image_size}")
        side = (image_size // 2 - 4) // 2  # after conv(pad 2), pool, conv(no pad), pool
        super().__init__(
            nn.Conv2d(in_channels, 6, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(16 * side * side, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes), in_channels=in_channels)
        self.image_size = image_size

    def forward(self, X):
        images("X", X, self.in_channels, who="LeNet")
        if X.shape[-2:] != (self.image_size, self.image_size):
            raise ValueError(f"X: LeNet was built for {self.image_size}×{self.image_size} images, "
                             f"got {tuple(X.shape[-2:])}; pass image_size= to the constructor")
        return super().forward(X)


# --- blocks ---------------------------------------------------------------------------------
class VGGBlock(_Checked):
    """``num_convs`` 3×3 convolutions (padding 1) with ReLU, then a 2×2 max pool.

    Shapes: ``(n, in_channels, H, W)`` → ``(n, out_channels, H // 2, W // 2)``.
    """

    def __init__(self, *, num_convs: int, in_channels: int, out_channels: int):
        num_convs, in_channels, out_channels = (positive_int(k, v) for k, v in (
            ("num_convs", num_convs), ("in_channels", in_channels), ("out_channels", out_channels)))
        layers, c = [], in_channels
        for _ in range(num_convs):
            layers += [nn.Conv2d(c, out_channels, kernel_size=3, padding=1), nn.ReLU()]
            c = out_channels
        super().__init__(*layers, nn.MaxPool2d(2), in_channels=in_channels)


class NiNBlock(_Checked):
    """One ``kernel_size`` convolution followed by two 1×1 convolutions, each with ReLU.

    The 1×1 convolutions act as a small MLP applied at every pixel, across channels.
    Shapes: ``(n, in_channels, H, W)`` → ``(n, out_channels, H', W')`` with
    ``H' = (H + 2 * padding - kernel_size) // stride + 1``.
    """

    def __init__(self, *, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int = 0):
        in_channels, out_channels = positive_int("in_channels", in_channels), positive_int("out_channels", out_channels)
        kernel_size, stride = positive_int("kernel_size", kernel_size), positive_int("stride", stride)
        non_negative_int("padding", padding)
        super().__init__(
            nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding), nn.ReLU(),
            nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
            nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(), in_channels=in_channels)


class Inception(nn.Module):
    """GoogLeNet's Inception block: four parallel paths, concatenated along channels.

    1. 1×1 conv to ``c1``;  2. 1×1 conv to ``c2[0]``, 3×3 conv to ``c2[1]``;
    3. 1×1 conv to ``c3[0]``, 5×5 conv to ``c3[1]``;  4. 3×3 max pool, 1×1 conv to ``c4``.
    Every path keeps the height and width, so
    shapes: ``(n, in_channels, H, W)`` → ``(n, c1 + c2[1] + c3[1] + c4, H, W)``.
    """

    def __init__(self, *, in_channels: int, c1: int, c2: tuple[int, int], c3: tuple[int, int], c4: int):
        super().__init__()
        self.in_channels = positive_int("in_channels", in_channels)
        for name, pair in (("c2", c2), ("c3", c3)):
            if not isinstance(pair, (tuple, list)):
                raise TypeError(f"{name} must be a pair (reduce_channels, out_channels), got {type(pair).__name__}")
            if len(pair) != 2:
                raise ValueError(f"{name} must be a pair (reduce_channels, out_channels), got {pair!r}")
            for v in pair:
                positive_int(name, v)
        c1, c4 = positive_int("c1", c1), positive_int("c4", c4)
        self.out_channels = c1 + c2[1] + c3[1] + c4
        relu = nn.ReLU
        self.p1 = nn.Sequential(nn.Conv2d(in_channels, c1, 1), relu())
        self.p2 = nn.Sequential(nn.Conv2d(in_channels, c2[0], 1), relu(),
                                nn.Conv2d(c2[0], c2[1], 3, padding=1), relu())
        self.p3 = nn.Sequential(nn.Conv2d(in_channels, c3[0], 1), relu(),
                                nn.Conv2d(c3[0], c3[1], 5, padding=2), relu())
        self.p4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), nn.Conv2d(in_channels, c4, 1), relu())

    def forward(self, X):
        images("X", X, self.in_channels, who="Inception")
        return torch.cat([self.p1(X), self.p2(X), self.p3(X), self.p4(X)], dim=1)


# --- batch normalisation from scratch -------------------------------------------------------
def batch_norm(X, gamma, beta, moving_mean, moving_var, *, eps: float = 1e-5, momentum: float = 0.1,
               training: bool = True):
    """Batch normalisation of ``X`` (n, d) or (n, C, H, W), following ``nn.BatchNorm*``.

    Training: normalise with the batch mean and (biased) variance per feature/channel, and
    update ``moving_mean``/``moving_var`` in place as ``(1 - momentum) * old + momentum * new``,
    where the variance fed to the moving average is the unbiased one (as PyTorch does).
    Evaluation: normalise with the moving statistics. Returns ``gamma * X_hat + beta``.

    Args:
        X: float tensor (n, d) or (n, C, H, W).
        gamma, beta: scale and shift, shape (d,) or (C,).
        moving_mean, moving_var: running statistics, shape (d,) or (C,), updated in place.
        eps: a number > 0 added to the variance.
        momentum: weight of the new batch statistics, in [0, 1].
        training: use (and record) batch statistics rather than the moving ones.

    Raises:
        TypeError, ValueError: an argument has the wrong type, dtype or shape, or a number is
            out of range. Shapes and dtypes only: no tensor value is read.
    """
    tensor("X", X, (2, 4), dtype="float", what=" (n, d) or (n, C, H, W)")
    for name, t in (("gamma", gamma), ("beta", beta), ("moving_mean", moving_mean), ("moving_var", moving_var)):
        tensor(name, t, 1, shape=(X.shape[1],), what=", one value per feature/channel")
    positive_float("eps", eps)
    probability("momentum", momentum)
    boolean("training", training)
    dims = (0,) if X.ndim == 2 else (0, 2, 3)       # statistics per feature / per channel
    shape = (1, -1) if X.ndim == 2 else (1, -1, 1, 1)
    if training:
        m = X.numel() // X.shape[1]                 # values averaged per feature/channel
        if m < 2:
            raise ValueError("batch norm in training mode needs more than one value per channel")
        mean, var = X.mean(dim=dims), X.var(dim=dims, unbiased=False)
        with torch.no_grad():
            moving_mean.mul_(1 - momentum).add_(momentum * mean)
            moving_var.mul_(1 - momentum).add_(momentum * var * m / (m - 1))
    else:
        mean, var = moving_mean, moving_var
    X_hat = (X - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
    return gamma.reshape(shape) * X_hat + beta.reshape(shape)


class BatchNorm(nn.Module):
    """Batch normalisation from scratch; a drop-in for ``nn.BatchNorm1d`` / ``nn.BatchNorm2d``.

    Args:
        num_features: features ``d`` (after a dense layer) or channels ``C`` (after a conv).
        num_dims: 2 for inputs (n, d), 4 for inputs (n, C, H, W).
        eps: a number > 0 added to the variance.
        momentum: weight of the new batch statistics in the moving averages, in [0, 1].
    """

    def __init__(self, *, num_features: int, num_dims: int = 4, eps: float = 1e-5, momentum: float = 0.1):
        super().__init__()
        self.num_features = positive_int("num_features", num_features)
        if num_dims not in (2, 4):
            raise ValueError(f"num_dims must be 2 (n, d) or 4 (n, C, H, W), got {num_dims!r}")
        self.num_dims, self.eps, self.momentum = num_dims, positive_float("eps", eps), probability("momentum", momentum)
        self.gamma = nn.Parameter(torch.ones(num_features))   # scale, learned
        self.beta = nn.Parameter(torch.zeros(num_features))   # shift, learned
        self.register_buffer("moving_mean", torch.zeros(num_features))  # buffers move with .to()
        self.register_buffer("moving_var", torch.ones(num_features))

    def forward(self, X):
        want = "(n, {0})" if self.num_dims == 2 else "(n, {0}, H, W)"
        tensor("X", X, dtype="float", what=f" of shape {want.format(self.num_features)}")
        if X.ndim != self.num_dims or X.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm expects input X of shape {want.format(self.num_features)}, "
                             f"got {tuple(X.shape)}")
        return batch_norm(X, self.gamma, self.beta, self.moving_mean, self.moving_var,
                          eps=self.eps, momentum=self.momentum, training=self.training)


# --- residual networks ----------------------------------------------------------------------
class Residual(nn.Module):
    """ResNet's basic block: ``ReLU(F(x) + shortcut(x))`` with ``F`` = conv-BN-ReLU-conv-BN.

    Args:
        in_channels, out_channels: channels in and out.
        stride: stride of the first 3×3 convolution (2 halves height and width).
        skip: add the shortcut (``False`` gives the same block without it, a "plain" block,
            for comparing the two).

    When the shape changes (other channels or a stride), the shortcut is a 1×1 convolution
    with the same stride, so that it can be added to ``F(x)``.
    Shapes: ``(n, in_channels, H, W)`` → ``(n, out_channels, ⌈H / stride⌉, ⌈W / stride⌉)``.
    """

    def __init__(self, *, in_channels: int, out_channels: int, stride: int = 1, skip: bool = True):
        super().__init__()
        self.in_channels = positive_int("in_channels", in_channels)
        out_channels, stride = positive_int("out_channels", out_channels), positive_int("stride", stride)
        self.skip = boolean("skip", skip)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(out_channels)
        needs_projection = skip and (stride != 1 or in_channels != out_channels)
        self.shortcut = (nn.Conv2d(in_channels, out_channels, 1, stride=stride)
                         if needs_projection else nn.Identity())

    def forward(self, X):
        images("X", X, self.in_channels, who="Residual")
        Y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(X)))))   # F(x)
        return torch.relu(Y + self.shortcut(X)) if self.skip else torch.relu(Y)


def small_resnet(*, in_channels: int = 1, num_classes: int = 10, channels=(16, 32, 64),
                 blocks_per_stage: int = 1, skip: bool = True) -> nn.Sequential:
    """A small ResNet for small images.

    A stem (3×3 conv with stride 2, BN, ReLU) to ``channels[0]``, then one stage per entry of
    ``channels``, each ``blocks_per_stage`` residual blocks (every stage after the first halves
    height and width), then global average pooling and a dense layer.

    Shapes: ``(n, in_channels, H, W)`` → ``(n, num_classes)``.
    """
    in_channels, num_classes = positive_int("in_channels", in_channels), positive_int("num_classes", num_classes)
    blocks_per_stage = positive_int("blocks_per_stage", blocks_per_stage)
    boolean("skip", skip)
    if not isinstance(channels, (tuple, list)):
        raise TypeError(f"channels must be a non-empty tuple of ints, one per stage, got {type(channels).__name__}")
    if not channels:
        raise ValueError(f"channels must be a non-empty tuple of ints, one per stage, got {channels!r}")
    channels = [positive_int("channels", c) for c in channels]
    layers = [nn.Conv2d(in_channels, channels[0], 3, stride=2, padding=1), nn.BatchNorm2d(channels[0]), nn.ReLU()]
    c = channels[0]
    for i, out in enumerate(channels):
        for j in range(blocks_per_stage):
            stride = 2 if i > 0 and j == 0 else 1
            layers.append(Residual(in_channels=c, out_channels=out, stride=stride, skip=skip))
            c = out
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, num_classes)]
    return _Checked(*layers, in_channels=in_channels)
