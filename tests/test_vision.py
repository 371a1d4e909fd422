"""d2lite.vision: augmentation, boxes, anchors, NMS and synthetic scenes, checked by brute force."""
import itertools

import pytest
import torch
from torch.nn import functional as F

from d2lite.vision import (SHAPES, add_noise, affine_transform, anchor_boxes, assign_anchors, box_center_to_corner,
                           box_corner_to_center, box_iou, nms, random_affine, synthetic_scenes)

DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA here"))]


def _random_boxes(k, seed=0, scale=20.0):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(k, 2, generator=g) * scale
    wh = torch.rand(k, 2, generator=g) * scale / 2 + 0.5
    return torch.cat([xy, xy + wh], dim=1)


def _iou_loop(a, b):
    out = torch.zeros(len(a), len(b))
    for i, j in itertools.product(range(len(a)), range(len(b))):
        (ax1, ay1, ax2, ay2), (bx1, by1, bx2, by2) = a[i].tolist(), b[j].tolist()
        iw, ih = max(0.0, min(ax2, bx2) - max(ax1, bx1)), max(0.0, min(ay2, by2) - max(ay1, by1))
        inter = iw * ih
        out[i, j] = inter / ((ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter)
    return out


def _nms_loop(boxes, scores, thr):
    kept = []
    for i in sorted(range(len(boxes)), key=lambda i: -float(scores[i])):
        if all(_iou_loop(boxes[i:i + 1], boxes[k:k + 1])[0, 0] <= thr for k in kept):
            kept.append(i)
    return kept


# --- augmentation -----------------------------------------------------------------------
def test_affine_matches_rot90_and_zero_padded_shift():
    X = torch.rand(3, 2, 6, 6)
    rot = affine_transform(X, angles=[90.0] * 3, shifts=torch.zeros(3, 2))
    torch.testing.assert_close(rot, torch.rot90(X, 1, dims=(2, 3)), atol=1e-5, rtol=0)
    Y = torch.rand(2, 1, 5, 7)   # not square
    shifted = affine_transform(Y, angles=[0.0, 0.0], shifts=[[2.0, 0.0], [0.0, -1.0]])
    torch.testing.assert_close(shifted[0], F.pad(Y[0], (2, 0))[..., :7], atol=1e-5, rtol=0)
    torch.testing.assert_close(shifted[1], F.pad(Y[1], (0, 0, 0, 1))[..., 1:, :], atol=1e-5, rtol=0)
    torch.testing.assert_close(affine_transform(Y, angles=[180.0] * 2, shifts=torch.zeros(2, 2)), Y.flip(2, 3),
                               atol=1e-5, rtol=0)


def test_random_affine_and_noise_shapes_ranges_and_seeds():
    X = torch.rand(8, 1, 12, 12)
    a = random_affine(X, max_degrees=20, max_shift=2, generator=torch.Generator().manual_seed(1))
    b = random_affine(X, max_degrees=20, max_shift=2, generator=torch.Generator().manual_seed(1))
    assert a.shape == X.shape and torch.equal(a, b) and not torch.allclose(a, X)
    torch.testing.assert_close(random_affine(X), X)   # zero ranges: identity
    noisy = add_noise(X, std=0.5, generator=torch.Generator().manual_seed(0))
    assert noisy.shape == X.shape and noisy.min() >= 0 and noisy.max() <= 1
    assert 0.2 < (add_noise(X, std=0.5, clamp=None) - X).std() < 0.8


@pytest.mark.parametrize("call, err", [
    (lambda: affine_transform(torch.rand(2, 5, 5), angles=[0, 0], shifts=torch.zeros(2, 2)), ValueError),
    (lambda: affine_transform(torch.rand(2, 1, 5, 5), angles=[0], shifts=torch.zeros(2, 2)), ValueError),
    (lambda: random_affine([[1.0]], max_degrees=1), TypeError),
    (lambda: random_affine(torch.rand(1, 1, 4, 4), max_degrees=-1), ValueError),
    (lambda: add_noise(torch.zeros(1, 1, 2, 2, dtype=torch.long), std=0.1), TypeError),
])
def test_augmentation_bad_input(call, err):
    with pytest.raises(err):
        call()


# --- boxes ------------------------------------------------------------------------------
def test_box_conversions_round_trip_and_values():
    b = _random_boxes(10)
    torch.testing.assert_close(box_center_to_corner(box_corner_to_center(b)), b)
    torch.testing.assert_close(box_corner_to_center(torch.tensor([[1.0, 2.0, 5.0, 4.0]])),
                               torch.tensor([[3.0, 3.0, 4.0, 2.0]]))


def test_box_iou_matches_a_loop():
    a, b = _random_boxes(7, seed=1), _random_boxes(5, seed=2)
    iou = box_iou(a, b)
    assert iou.shape == (7, 5)
    torch.testing.assert_close(iou, _iou_loop(a, b), atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(torch.diag(box_iou(a, a)), torch.ones(7))
    assert box_iou(torch.zeros(1, 4), torch.zeros(1, 4)).item() == 0.0   # empty boxes: 0, not NaN


@pytest.mark.parametrize("call, err, match", [
    (lambda: box_iou(torch.tensor([[2.0, 0, 1, 1]]), torch.zeros(1, 4)), ValueError, "x2 >= x1"),
    (lambda: box_iou(torch.zeros(3), torch.zeros(1, 4)), ValueError, r"\(k, 4\)"),
    (lambda: box_corner_to_center(torch.zeros(2, 5)), ValueError, r"\(k, 4\)"),
    (lambda: box_center_to_corner(torch.tensor([[0.0, 0, -1, 1]])), ValueError, "w, h >= 0"),
    (lambda: box_iou([[0, 0, 1, 1]], torch.zeros(1, 4)), TypeError, "torch.Tensor"),
    (lambda: box_iou(torch.tensor([[0.0, 0, float("nan"), 1]]), torch.zeros(1, 4)), ValueError, "finite"),
])
def test_box_bad_input(call, err, match):
    with pytest.raises(err, match=match):
        call()


# --- anchors ----------------------------------------------------------------------------
def test_anchor_boxes_count_centres_and_shapes():
    sizes, ratios = [8.0, 4.0], [1.0, 2.0, 0.5]
    a = anchor_boxes(3, 4, sizes=sizes, ratios=ratios, stride=2.0)
    k = len(sizes) + len(ratios) - 1
    assert a.shape == (3 * 4 * k, 4)
    c = box_corner_to_center(a).reshape(3, 4, k, 4)
    torch.testing.assert_close(c[1, 2, :, :2], torch.tensor([[5.0, 3.0]] * k))   # cell (1, 2) at ((2+.5)*2, (1+.5)*2)
    expected_wh = [(s * r ** 0.5, s / r ** 0.5) for s, r in [(8, 1), (4, 1), (8, 2), (8, 0.5)]]
    torch.testing.assert_close(c[0, 0, :, 2:], torch.tensor(expected_wh))


def test_assign_anchors_gives_every_box_an_anchor():
    gt = torch.tensor([[0.0, 0, 8, 8], [10, 10, 14, 18]])
    anchors = anchor_boxes(5, 5, sizes=[6.0, 3.0], ratios=[1.0, 0.5], stride=4.0)
    assigned = assign_anchors(anchors, gt, iou_threshold=0.5)
    assert assigned.shape == (len(anchors),) and set(assigned.tolist()) <= {-1, 0, 1}
    assert (assigned == 0).any() and (assigned == 1).any()
    iou = box_iou(anchors, gt)
    ok = assigned >= 0
    assert (iou[ok, assigned[ok]] > 0).all()
    assert (iou[~ok].max(dim=1).values < 0.5).all()      # background anchors overlap nothing much
    with pytest.raises(ValueError, match="iou_threshold"):
        assign_anchors(anchors, gt, iou_threshold=1.5)


@pytest.mark.parametrize("kw", [dict(sizes=[], ratios=[1.0]), dict(sizes=[1.0], ratios=[-1.0]),
                                dict(sizes=[1.0], ratios=[1.0], stride=0)])
def test_anchor_boxes_bad_input(kw):
    with pytest.raises(ValueError):
        anchor_boxes(2, 2, **kw)


# --- NMS --------------------------------------------------------------------------------
@pytest.mark.parametrize("thr", [0.0, 0.3, 0.5, 0.9])
def test_nms_matches_a_loop(thr):
    boxes, scores = _random_boxes(40, seed=3), torch.rand(40, generator=torch.Generator().manual_seed(4))
    keep = nms(boxes, scores, iou_threshold=thr)
    assert keep.tolist() == _nms_loop(boxes, scores, thr)
    kept = boxes[keep]
    iou = box_iou(kept, kept) - torch.eye(len(kept))
    assert (iou <= thr + 1e-6).all()                        # survivors overlap each other little
    assert (scores[keep][:-1] >= scores[keep][1:]).all()    # best first


def test_nms_bad_input():
    with pytest.raises(ValueError, match="scores"):
        nms(_random_boxes(3), torch.rand(4))
    with pytest.raises(ValueError, match="iou_threshold"):
        nms(_random_boxes(3), torch.rand(3), iou_threshold=-0.1)


# --- synthetic scenes -------------------------------------------------------------------
def test_synthetic_scenes_are_consistent_and_seeded():
    s = synthetic_scenes(6, image_size=24, max_objects=3, min_side=5, max_side=10, seed=2)
    assert s.images.shape == (6, 3, 24, 24) and s.masks.shape == (6, 24, 24) and len(s) == 6
    assert 0 <= s.images.min() and s.images.max() <= 1
    assert set(s.masks.unique().tolist()) <= set(range(len(SHAPES)))
    for boxes, labels, mask in zip(s.boxes, s.labels, s.masks):
        assert boxes.shape == (len(labels), 4) and 1 <= len(labels) <= 3
        assert ((boxes[:, 2:] - boxes[:, :2]) >= 1).all() and boxes.min() >= 0 and boxes.max() <= 24
        x1, y1, x2, y2 = boxes[-1].long().tolist()   # the last shape drawn is fully visible
        assert (mask[y1:y2, x1:x2] == labels[-1]).any()
        assert not (mask[:y1] == labels[-1]).all()
    again = synthetic_scenes(6, image_size=24, max_objects=3, min_side=5, max_side=10, seed=2)
    assert torch.equal(s.images, again.images)


@pytest.mark.parametrize("kw", [dict(min_side=9, max_side=5), dict(image_size=8, max_side=10), dict(noise=-1.0)])
def test_synthetic_scenes_bad_input(kw):
    with pytest.raises(ValueError):
        synthetic_scenes(2, **kw)


# --- devices ----------------------------------------------------------------------------
@pytest.mark.parametrize("device", DEVICES)
def test_everything_follows_the_input_device(device):
    X = torch.rand(2, 1, 8, 8, device=device)
    assert random_affine(X, max_degrees=10, max_shift=1).device.type == device
    assert add_noise(X, std=0.1).device.type == device
    boxes = _random_boxes(12).to(device)
    scores = torch.rand(12, device=device)
    assert box_iou(boxes, boxes).device.type == device
    keep = nms(boxes, scores, iou_threshold=0.4)
    assert keep.device.type == device and keep.cpu().tolist() == _nms_loop(boxes.cpu(), scores.cpu(), 0.4)
    anchors = anchor_boxes(2, 2, sizes=[4.0], ratios=[1.0], device=device)
    assert anchors.device.type == device
    assert assign_anchors(anchors, boxes[:2]).device.type == device
