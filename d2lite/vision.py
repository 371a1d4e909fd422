"""Vision helpers: image augmentation, bounding boxes, anchor boxes, NMS and synthetic scenes.

Images are batch-first float tensors ``(n, C, H, W)``. Boxes are ``(k, 4)`` tensors, either in
*corner* form ``(x1, y1, x2, y2)`` or *centre* form ``(cx, cy, w, h)``, in pixels, with x to
the right and y downwards; a pixel ``(row i, column j)`` covers ``[j, j+1] × [i, i+1]``.
Every function follows its inputs' device.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from . import _checks
from ._checks import (finite_tensor, images, limits, non_negative_float, numbers_seq, positive_float, positive_int,
                      probability, seed as check_seed, tensor)

__all__ = ["affine_transform", "random_affine", "add_noise", "box_corner_to_center",
           "box_center_to_corner", "box_iou", "anchor_boxes", "assign_anchors", "nms",
           "Scenes", "synthetic_scenes", "SHAPES"]

SHAPES = ("background", "rectangle", "disc", "triangle")


# --- augmentation ---------------------------------------------------------------------------
def affine_transform(X: torch.Tensor, *, angles, shifts) -> torch.Tensor:
    """Rotate each image about its centre, then shift it; pixels that come from outside are 0.

    Args:
        X: images ``(n, C, H, W)``.
        angles: ``(n,)`` angles in degrees, anticlockwise as the image is displayed.
        shifts: ``(n, 2)`` shifts ``(dx, dy)`` in pixels (right and down are positive).

    Returns:
        ``(n, C, H, W)``, sampled bilinearly with ``affine_grid`` and ``grid_sample``.

    Raises:
        TypeError, ValueError: ``X`` is not a batch of float images, or ``angles``/``shifts``
        do not have one row per image.
    """
    X = images("X", X)
    n, _, H, W = X.shape
    angles, shifts = _checks.numbers_tensor("angles", angles, X), _checks.numbers_tensor("shifts", shifts, X)
    if angles.shape != (n,):
        raise ValueError(f"angles must have shape ({n},), one per image, got {tuple(angles.shape)}")
    if shifts.shape != (n, 2):
        raise ValueError(f"shifts must have shape ({n}, 2), one (dx, dy) per image, got {tuple(shifts.shape)}")
    # grid_sample asks, for every output pixel p, where to read: input = R^T (p - t) in pixel
    # units about the centre. affine_grid works in [-1, 1] coordinates, p_norm = S^-1 p with
    # S = diag(W/2, H/2), hence theta = [S^-1 R^T S | -S^-1 R^T t].
    a = torch.deg2rad(-angles)  # y points down, so "anticlockwise on screen" is -a here
    c, s = torch.cos(a), torch.sin(a)
    RT = torch.stack([torch.stack([c, s], -1), torch.stack([-s, c], -1)], -2)  # (n, 2, 2)
    S = torch.tensor([W / 2, H / 2], dtype=X.dtype, device=X.device)
    A = RT * S / S[:, None]                       # S^-1 R^T S
    b = -(RT @ shifts[:, :, None]).squeeze(-1) / S
    theta = torch.cat([A, b[:, :, None]], dim=2)  # (n, 2, 3)
    grid = F.affine_grid(theta, list(X.shape), align_corners=False)
    return F.grid_sample(X, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def random_affine(X: torch.Tensor, *, max_degrees: float = 0.0, max_shift: float = 0.0,
                  generator: torch.Generator | None = None) -> torch.Tensor:
    """Rotate each image by U(-max_degrees, max_degrees) and shift it by U(-max_shift, max_shift)
    pixels along each axis, independently per image (see :func:`affine_transform`).

    ``generator`` (a CPU ``torch.Generator``) makes the draws repeatable.

    Raises:
        TypeError, ValueError: ``X`` is not a batch of float images, a maximum is not a finite
            number >= 0, or ``generator`` is not a ``torch.Generator``.
    """
    X = images("X", X)
    _checks.generator(generator)
    max_degrees = non_negative_float("max_degrees", max_degrees)
    max_shift = non_negative_float("max_shift", max_shift)
    n = len(X)
    u = torch.rand(n, 3, generator=generator) * 2 - 1  # drawn on the CPU: same numbers on any device
    return affine_transform(X, angles=(u[:, 0] * max_degrees).to(X.device),
                            shifts=(u[:, 1:] * max_shift).to(X.device))


def add_noise(X: torch.Tensor, *, std: float, generator: torch.Generator | None = None,
              clamp: tuple[float, float] | None = (0.0, 1.0)) -> torch.Tensor:
    """``X`` plus Gaussian noise of standard deviation ``std``, clipped to ``clamp`` (or not, if None).

    Raises:
        TypeError, ValueError: ``X`` is not a batch of float images, ``std`` is not a finite
            number >= 0, ``clamp`` is not an increasing pair, or ``generator`` is not a
            ``torch.Generator``.
    """
    X = images("X", X)
    std = non_negative_float("std", std)
    _checks.generator(generator)
    if clamp is not None:
        clamp = limits("clamp", clamp)
    noise = torch.randn(X.shape, generator=generator).to(X.device, X.dtype)
    out = X + std * noise
    return out.clamp(*clamp) if clamp is not None else out


# --- boxes ----------------------------------------------------------------------------------
def box_corner_to_center(boxes: torch.Tensor) -> torch.Tensor:
    """``(x1, y1, x2, y2)`` → ``(cx, cy, w, h)``, shape ``(k, 4)``.

    Raises:
        TypeError, ValueError: ``boxes`` is not a finite (k, 4) tensor with x2 >= x1 and y2 >= y1.
    """
    b = _checks.boxes("boxes", boxes, corners=True)
    x1, y1, x2, y2 = b.unbind(1)
    return torch.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], dim=1)


def box_center_to_corner(boxes: torch.Tensor) -> torch.Tensor:
    """``(cx, cy, w, h)`` → ``(x1, y1, x2, y2)``, shape ``(k, 4)``.

    Raises:
        TypeError, ValueError: ``boxes`` is not a finite (k, 4) tensor with w, h >= 0.
    """
    b = _checks.boxes("boxes", boxes, corners=False)
    cx, cy, w, h = b.unbind(1)
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=1)


def box_iou(boxes1: torch.Tensor, boxes2: torch.Tensor) -> torch.Tensor:
    """Intersection over union of every pair: corner boxes ``(n, 4)`` and ``(m, 4)`` → ``(n, m)``.

    Two empty boxes have IoU 0 (not 0/0).
    """
    b1, b2 = _checks.boxes("boxes1", boxes1, corners=True), _checks.boxes("boxes2", boxes2, corners=True)
    if b1.device != b2.device:
        raise ValueError(f"boxes1 and boxes2 must be on one device, got {b1.device} and {b2.device}")
    area1 = (b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1])        # (n,)
    area2 = (b2[:, 2] - b2[:, 0]) * (b2[:, 3] - b2[:, 1])        # (m,)
    top_left = torch.maximum(b1[:, None, :2], b2[None, :, :2])   # (n, m, 2)
    bottom_right = torch.minimum(b1[:, None, 2:], b2[None, :, 2:])
    inter = (bottom_right - top_left).clamp(min=0).prod(dim=2)   # (n, m)
    union = area1[:, None] + area2[None, :] - inter
    return torch.where(union > 0, inter / union.clamp(min=1e-12), torch.zeros_like(inter))


def anchor_boxes(height: int, width: int, *, sizes: Sequence[float], ratios: Sequence[float],
                 stride: float = 1.0, device=None) -> torch.Tensor:
    """Anchor boxes centred on every cell of a ``height × width`` grid.

    Cell ``(i, j)`` is centred at ``((j + 0.5) * stride, (i + 0.5) * stride)`` pixels. With
    sizes ``s_1..s_n`` and ratios ``r_1..r_m`` each cell gets ``n + m - 1`` anchors: ``(s_i, r_1)``
    for every size and ``(s_1, r_j)`` for the other ratios, where a box of size ``s`` and ratio
    ``r`` (width / height) has width ``s * sqrt(r)`` and height ``s / sqrt(r)`` (area ``s**2``).

    Returns:
        corner boxes ``(height * width * (n + m - 1), 4)``, ordered by row, column, anchor.

    Raises:
        TypeError, ValueError: non-positive grid, sizes, ratios or stride.
    """
    height, width = positive_int("height", height), positive_int("width", width)
    sizes, ratios = numbers_seq("sizes", sizes, positive=True), numbers_seq("ratios", ratios, positive=True)
    stride = positive_float("stride", stride)
    pairs = [(s, ratios[0]) for s in sizes] + [(sizes[0], r) for r in ratios[1:]]
    wh = torch.tensor([[s * math.sqrt(r), s / math.sqrt(r)] for s, r in pairs], device=device)  # (k, 2)
    cy = (torch.arange(height, device=device) + 0.5) * stride
    cx = (torch.arange(width, device=device) + 0.5) * stride
    cyy, cxx = torch.meshgrid(cy, cx, indexing="ij")
    centres = torch.stack([cxx, cyy], dim=-1).reshape(-1, 1, 2)          # (h*w, 1, 2)
    boxes = torch.cat([centres - wh / 2, centres + wh / 2], dim=-1)       # (h*w, k, 4)
    return boxes.reshape(-1, 4)


def assign_anchors(anchors: torch.Tensor, gt_boxes: torch.Tensor, *, iou_threshold: float = 0.5) -> torch.Tensor:
    """Match anchors to ground-truth boxes; returns ``(num_anchors,)`` box indices, -1 for background.

    First every ground-truth box claims the anchor it overlaps most (greedily, largest IoU
    first, so no two boxes claim one anchor); then each remaining anchor takes the box it
    overlaps most if that IoU reaches ``iou_threshold``.

    Raises:
        TypeError, ValueError: a box tensor is not valid corner boxes ``(k, 4)``, or
            ``iou_threshold`` is not in [0, 1].
    """
    anchors = _checks.boxes("anchors", anchors, corners=True)
    gt_boxes = _checks.boxes("gt_boxes", gt_boxes, corners=True)
    probability("iou_threshold", iou_threshold)
    iou = box_iou(anchors, gt_boxes)                                     # (A, G)
    best_iou, best_gt = iou.max(dim=1) if iou.shape[1] else (iou.new_zeros(len(iou)), None)
    assigned = torch.full((len(anchors),), -1, dtype=torch.long, device=iou.device)
    if best_gt is None:
        return assigned
    assigned[best_iou >= iou_threshold] = best_gt[best_iou >= iou_threshold]
    work = iou.clone()
    for _ in range(min(work.shape)):
        flat = int(work.argmax())
        a, g = divmod(flat, work.shape[1])
        assigned[a] = g
        work[a, :], work[:, g] = -1, -1
    return assigned


def nms(boxes: torch.Tensor, scores: torch.Tensor, *, iou_threshold: float = 0.5) -> torch.Tensor:
    """Non-maximum suppression: keep the best box, drop boxes overlapping it by more than
    ``iou_threshold``, repeat with the best remaining one.

    Returns:
        indices of the kept boxes, highest score first (int64, on the boxes' device).

    Raises:
        ValueError: ``scores`` is not ``(k,)`` for ``k`` boxes, or the threshold is outside [0, 1].
    """
    boxes = _checks.boxes("boxes", boxes, corners=True)
    tensor("scores", scores, 1, shape=(len(boxes),), what=", one per box")
    finite_tensor("scores", scores)
    probability("iou_threshold", iou_threshold)
    order = scores.argsort(descending=True)
    iou = box_iou(boxes[order], boxes[order])                            # (k, k), in score order
    alive = torch.ones(len(boxes), dtype=torch.bool, device=boxes.device)
    keep = []
    for i in range(len(boxes)):  # one pass down the ranking; each survivor silences its neighbours
        if alive[i]:
            keep.append(i)
            alive &= iou[i] <= iou_threshold
    return order[torch.tensor(keep, dtype=torch.long, device=boxes.device)]


# --- synthetic scenes -----------------------------------------------------------------------
@dataclass(frozen=True)
class Scenes:
    """Synthetic scenes: ``images`` ``(n, 3, H, W)`` in [0, 1], per-pixel class ``masks``
    ``(n, H, W)`` (0 = background, see :data:`SHAPES`), and per scene a ``(k, 4)`` tensor of
    corner ``boxes`` with ``(k,)`` ``labels`` (1 … 3)."""

    images: torch.Tensor
    masks: torch.Tensor
    boxes: list
    labels: list
    classes: tuple = SHAPES

    def __len__(self) -> int:
        return len(self.images)

    def __repr__(self) -> str:
        return (f"Scenes(images={tuple(self.images.shape)}, objects={sum(len(b) for b in self.boxes)}, "
                f"classes={self.classes})")


def _shape_mask(kind: int, x0: int, y0: int, w: int, h: int, size: int) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size] + 0.5          # pixel centres
    u, v = (xx - x0) / w, (yy - y0) / h              # 0..1 inside the shape's box
    inside = (u >= 0) & (u <= 1) & (v >= 0) & (v <= 1)
    if kind == 2:                                    # disc (an ellipse filling its box)
        inside &= (u - 0.5) ** 2 + (v - 0.5) ** 2 <= 0.25
    elif kind == 3:                                  # triangle, apex up
        inside &= np.abs(u - 0.5) <= v / 2
    return inside


def synthetic_scenes(num_scenes: int, *, image_size: int = 32, max_objects: int = 3, min_side: int = 6,
                     max_side: int = 14, noise: float = 0.05, seed: int = 0) -> Scenes:
    """Draw scenes of coloured rectangles, discs and triangles on a noisy grey background.

    Each scene is ``image_size`` × ``image_size`` pixels and holds 1 … ``max_objects`` shapes with
    random colour, class and box (sides ``min_side`` … ``max_side`` pixels); shapes drawn later
    hide earlier ones in the mask. Boxes are the tight boxes of each whole shape. ``seed`` seeds a
    private generator.

    Raises:
        ValueError: sizes out of order, or shapes that cannot fit into the image.
    """
    n, size = positive_int("num_scenes", num_scenes), positive_int("image_size", image_size)
    max_objects = positive_int("max_objects", max_objects)
    min_side, max_side = positive_int("min_side", min_side), positive_int("max_side", max_side)
    noise = non_negative_float("noise", noise)
    check_seed("seed", seed)
    if not min_side <= max_side <= size:
        raise ValueError(f"need min_side <= max_side <= image_size, got {min_side}, {max_side}, {size}")
    rng = np.random.default_rng(seed)
    images = np.empty((n, 3, size, size), dtype=np.float32)
    masks = np.zeros((n, size, size), dtype=np.int64)
    all_boxes, all_labels = [], []
    for k in range(n):
        img = np.full((3, size, size), rng.uniform(0.3, 0.7), dtype=np.float32)
        boxes, labels = [], []
        for _ in range(rng.integers(1, max_objects + 1)):
            kind = int(rng.integers(1, len(SHAPES)))
            w, h = rng.integers(min_side, max_side + 1, size=2)
            x0, y0 = rng.integers(0, size - w + 1), rng.integers(0, size - h + 1)
            inside = _shape_mask(kind, x0, y0, w, h, size)
            colour = rng.uniform(0, 1, size=3).astype(np.float32)
            if abs(colour.mean() - img[:, 0, 0].mean()) < 0.15:  # keep shapes visible on the grey
                colour = np.clip(colour + np.sign(colour.mean() - img[:, 0, 0].mean() + 1e-9) * 0.3, 0, 1)
            img[:, inside] = colour[:, None]
            masks[k][inside] = kind
            rows, cols = np.nonzero(inside)
            boxes.append([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1])
            labels.append(kind)
        images[k] = np.clip(img + noise * rng.standard_normal(img.shape), 0, 1)
        all_boxes.append(torch.tensor(boxes, dtype=torch.float32))
        all_labels.append(torch.tensor(labels, dtype=torch.long))
    return Scenes(torch.from_numpy(images), torch.from_numpy(masks), all_boxes, all_labels)
