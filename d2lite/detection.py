"""Training and scoring a single-shot detector: box offsets relative to anchors, per-anchor
training targets, and the average precision of one class.

Boxes are corner boxes ``(x1, y1, x2, y2)`` in pixels, as in :mod:`d2lite.vision`; every function
follows its inputs' device.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from . import _checks
from ._checks import finite_tensor, float_array, positive_float, positive_int, probability, tensor
from .vision import assign_anchors, box_corner_to_center

__all__ = ["encode_offsets", "decode_offsets", "multibox_targets", "average_precision"]


def _positive_sides(name: str, boxes: torch.Tensor) -> None:
    bad = ((boxes[:, 2:] - boxes[:, :2]) <= 0).any(dim=1)
    if bad.any():
        i = int(torch.nonzero(bad)[0])
        raise ValueError(f"{name} must have positive width and height (offsets take their log); "
                         f"row {i} is {boxes[i].tolist()}")


def encode_offsets(anchors: torch.Tensor, boxes: torch.Tensor, *, sigma_xy: float = 0.1,
                   sigma_wh: float = 0.2) -> torch.Tensor:
    """Offsets of corner ``boxes`` relative to corner ``anchors``, row by row: ``(k, 4)`` each.

    With centres and sides ``(cx, cy, w, h)`` of a box and ``(ca_x, ca_y, wa, ha)`` of its anchor
    the offsets are ``((cx - ca_x) / (sigma_xy * wa), (cy - ca_y) / (sigma_xy * ha),
    log(w / wa) / sigma_wh, log(h / ha) / sigma_wh)``; :func:`decode_offsets` inverts them.

    Raises:
        TypeError, ValueError: not corner boxes, shapes that differ, a box or anchor without
            positive width and height, or a non-positive ``sigma_xy``/``sigma_wh``.
    """
    anchors = _checks.boxes("anchors", anchors, corners=True)
    boxes = _checks.boxes("boxes", boxes, corners=True)
    sigma_xy, sigma_wh = positive_float("sigma_xy", sigma_xy), positive_float("sigma_wh", sigma_wh)
    if anchors.shape != boxes.shape:
        raise ValueError(f"boxes must have the shape of anchors {tuple(anchors.shape)} (one box per anchor), "
                         f"got {tuple(boxes.shape)}")
    _positive_sides("anchors", anchors)
    _positive_sides("boxes", boxes)
    a, b = box_corner_to_center(anchors), box_corner_to_center(boxes)
    shift = (b[:, :2] - a[:, :2]) / (sigma_xy * a[:, 2:])
    scale = torch.log(b[:, 2:] / a[:, 2:]) / sigma_wh
    return torch.cat([shift, scale], dim=1)


def decode_offsets(anchors: torch.Tensor, offsets: torch.Tensor, *, sigma_xy: float = 0.1,
                   sigma_wh: float = 0.2) -> torch.Tensor:
    """Corner boxes ``(k, 4)`` from ``anchors`` ``(k, 4)`` and ``offsets`` ``(k, 4)``: the inverse
    of :func:`encode_offsets` with the same ``sigma_xy`` and ``sigma_wh``.

    Raises:
        TypeError, ValueError: ``anchors`` are not corner boxes, ``offsets`` is not a finite float
            tensor of the anchors' shape, or a sigma is not positive.
    """
    anchors = _checks.boxes("anchors", anchors, corners=True)
    tensor("offsets", offsets, 2, dtype="float", shape=tuple(anchors.shape), what=", one row per anchor")
    finite_tensor("offsets", offsets)
    sigma_xy, sigma_wh = positive_float("sigma_xy", sigma_xy), positive_float("sigma_wh", sigma_wh)
    a = box_corner_to_center(anchors)
    centre = a[:, :2] + offsets[:, :2] * sigma_xy * a[:, 2:]
    sides = a[:, 2:] * torch.exp(offsets[:, 2:] * sigma_wh)
    return torch.cat([centre - sides / 2, centre + sides / 2], dim=1)


def multibox_targets(anchors: torch.Tensor, boxes: Sequence[torch.Tensor], labels: Sequence[torch.Tensor], *,
                     iou_threshold: float = 0.5, sigma_xy: float = 0.1,
                     sigma_wh: float = 0.2) -> tuple[torch.Tensor, torch.Tensor]:
    """Training targets of a single-shot detector for ``n`` images.

    Each image's objects (corner ``boxes[i]`` ``(k_i, 4)`` with ``labels[i]`` ``(k_i,)`` in
    1, 2, ...) are matched to the anchors by :func:`~d2lite.vision.assign_anchors`; a matched
    anchor gets its object's label and :func:`encode_offsets` of the object's box, every other
    anchor class 0 (background) and zero offsets.

    Returns:
        ``(classes, offsets)``: ``(n, num_anchors)`` int64 and ``(n, num_anchors, 4)`` float.

    Raises:
        TypeError, ValueError: invalid anchors or boxes, ``boxes`` and ``labels`` of different
            lengths, a label tensor that does not give one integer >= 1 per box, a threshold
            outside [0, 1] or a non-positive sigma.
    """
    anchors = _checks.boxes("anchors", anchors, corners=True)
    _positive_sides("anchors", anchors)
    for name, seq in (("boxes", boxes), ("labels", labels)):
        if isinstance(seq, (str, bytes, torch.Tensor)) or not isinstance(seq, Sequence):
            raise TypeError(f"{name} must be a list with one tensor per image, got {type(seq).__name__}")
    if len(boxes) != len(labels) or not boxes:
        raise ValueError(f"boxes and labels must be non-empty lists of one length (one entry per image), "
                         f"got {len(boxes)} and {len(labels)}")
    probability("iou_threshold", iou_threshold)
    positive_float("sigma_xy", sigma_xy), positive_float("sigma_wh", sigma_wh)
    classes = torch.zeros(len(boxes), len(anchors), dtype=torch.long, device=anchors.device)
    offsets = torch.zeros(len(boxes), len(anchors), 4, device=anchors.device)
    for i, (b, lab) in enumerate(zip(boxes, labels)):
        b = _checks.boxes(f"boxes[{i}]", b, corners=True).to(anchors.device)
        tensor(f"labels[{i}]", lab, 1, dtype="long", shape=(len(b),), what=", one class per box")
        if len(lab) and int(lab.min()) < 1:
            raise ValueError(f"labels[{i}] must be classes >= 1 (0 is background), got {lab.tolist()}")
        who = assign_anchors(anchors, b, iou_threshold=iou_threshold)
        pos = who >= 0
        classes[i, pos] = lab.to(anchors.device)[who[pos]]
        offsets[i, pos] = encode_offsets(anchors[pos], b[who[pos]], sigma_xy=sigma_xy, sigma_wh=sigma_wh)
    return classes, offsets


def average_precision(scores, hits, num_objects: int) -> float:
    """Average precision of one class: the area under the interpolated precision–recall curve.

    Detections are ranked by decreasing ``scores`` (ties keep their order); after the first ``n``
    of them precision is ``TP_n / n`` and recall ``TP_n / num_objects``. Each precision is
    replaced by the largest precision at any later rank (the interpolated curve, non-increasing)
    and the result is ``sum_n (R_n - R_{n-1}) * P_interp_n``. Objects that no detection found
    count as missed recall.

    Args:
        scores: ``(m,)`` confidences of the class's detections over all images.
        hits: ``(m,)`` bools (or 0/1), whether each detection is a true positive.
        num_objects: the number of objects of the class, at least the number of hits.

    Raises:
        TypeError, ValueError: ``scores`` or ``hits`` not 1-D of one length, ``hits`` not 0/1,
            non-finite scores, or ``num_objects`` not a positive int >= the number of hits.
    """
    s = float_array("scores", scores, 1, what=" (m,) of detection confidences")
    h = float_array("hits", hits, 1, what=" (m,) of 0/1 flags")
    if h.shape != s.shape:
        raise ValueError(f"hits must have the shape of scores {s.shape}, got {h.shape}")
    if not np.isin(h, (0.0, 1.0)).all():
        raise ValueError("hits must hold 0/1 (or bool) flags, got other values")
    num_objects = positive_int("num_objects", num_objects)
    if h.sum() > num_objects:
        raise ValueError(f"num_objects must be >= the number of hits {int(h.sum())}, got {num_objects}")
    h = h[np.argsort(-s, kind="stable")]
    tp = np.cumsum(h)
    precision = tp / np.arange(1, len(h) + 1)
    recall = tp / num_objects
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    return float((np.diff(recall, prepend=0.0) * envelope).sum())
