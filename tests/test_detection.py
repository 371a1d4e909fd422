"""d2lite.detection: offsets, multibox targets and average precision."""
import numpy as np
import pytest
import torch

from d2lite.detection import average_precision, decode_offsets, encode_offsets, multibox_targets
from d2lite.vision import anchor_boxes, assign_anchors, box_iou, synthetic_scenes

sklearn_metrics = pytest.importorskip("sklearn.metrics")


def _anchors():
    return anchor_boxes(4, 4, sizes=[6.0, 9.0], ratios=[1.0, 2.0, 0.5], stride=4)


# --- offsets ----------------------------------------------------------------------------
def test_offsets_round_trip_and_values():
    a = _anchors()
    g = torch.Generator().manual_seed(0)
    b = a + torch.rand(len(a), 4, generator=g) * 2
    b = torch.cat([b[:, :2], torch.maximum(b[:, 2:], b[:, :2] + 0.5)], dim=1)
    t = encode_offsets(a, b)
    assert torch.allclose(decode_offsets(a, t), b, atol=1e-4)
    assert torch.allclose(decode_offsets(a, torch.zeros_like(t)), a, atol=1e-6)
    # a box twice as wide, same centre and height: t = (0, 0, log 2 / sigma_wh, 0)
    box = torch.tensor([[0.0, 0.0, 4.0, 2.0]])
    wide = torch.tensor([[-2.0, 0.0, 6.0, 2.0]])
    expect = torch.tensor([[0.0, 0.0, np.log(2) / 0.5, 0.0]], dtype=torch.float32)
    assert torch.allclose(encode_offsets(box, wide, sigma_wh=0.5), expect, atol=1e-6)
    # shift of one anchor width with sigma_xy = 1 is offset 1
    assert torch.allclose(encode_offsets(box, box + torch.tensor([4.0, 0, 4, 0]), sigma_xy=1.0),
                          torch.tensor([[1.0, 0, 0, 0]]))


@pytest.mark.parametrize("call, match", [
    (lambda: encode_offsets(torch.ones(2, 4), torch.ones(2, 4)), "positive width"),
    (lambda: encode_offsets(_anchors(), _anchors()[:3]), "shape of anchors"),
    (lambda: encode_offsets(_anchors(), _anchors(), sigma_xy=0.0), "sigma_xy"),
    (lambda: encode_offsets("x", _anchors()), "anchors"),
    (lambda: decode_offsets(_anchors(), torch.zeros(3, 4)), "offsets"),
    (lambda: decode_offsets(_anchors(), torch.full((64, 4), float("nan"))), "offsets"),
    (lambda: decode_offsets(_anchors(), torch.zeros(64, 4, dtype=torch.long)), "offsets"),
])
def test_offsets_bad_input(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call()


# --- multibox targets -------------------------------------------------------------------
def test_multibox_targets_match_assign_anchors():
    a = _anchors()
    sc = synthetic_scenes(5, image_size=16, max_objects=3, min_side=4, max_side=8, seed=3)
    classes, offsets = multibox_targets(a, sc.boxes, sc.labels, iou_threshold=0.4)
    assert classes.shape == (5, len(a)) and offsets.shape == (5, len(a), 4)
    for i in range(5):
        who = assign_anchors(a, sc.boxes[i], iou_threshold=0.4)
        pos = who >= 0
        assert torch.equal(classes[i, pos], sc.labels[i][who[pos]])
        assert (classes[i, ~pos] == 0).all() and (offsets[i, ~pos] == 0).all()
        back = decode_offsets(a[pos], offsets[i, pos])
        assert torch.allclose(back, sc.boxes[i][who[pos]], atol=1e-4)
        assert (box_iou(back, sc.boxes[i]).max(1).values > 0.999).all()
    # an image without objects is all background
    c, o = multibox_targets(a, [torch.zeros(0, 4)], [torch.zeros(0, dtype=torch.long)])
    assert (c == 0).all() and (o == 0).all()


@pytest.mark.parametrize("kw, match", [
    (dict(boxes="x"), "boxes"),
    (dict(labels=torch.ones(1, dtype=torch.long)), "labels"),
    (dict(labels=[]), "one length"),
    (dict(labels=[torch.tensor([0])]), "background"),
    (dict(labels=[torch.tensor([1, 2])]), "labels\\[0\\]"),
    (dict(labels=[torch.tensor([1.0])]), "labels\\[0\\]"),
    (dict(boxes=[torch.tensor([[2.0, 0, 0, 2]])]), "boxes\\[0\\]"),
    (dict(iou_threshold=1.5), "iou_threshold"),
])
def test_multibox_targets_bad_input(kw, match):
    args = dict(anchors=_anchors(), boxes=[torch.tensor([[0.0, 0, 4, 4]])], labels=[torch.tensor([1])])
    args.update(kw)
    with pytest.raises((TypeError, ValueError), match=match):
        multibox_targets(**args)


# --- average precision ------------------------------------------------------------------
def _ap_loop(scores, hits, num_objects):
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    p, r, tp = [], [], 0
    for n, i in enumerate(order, 1):
        tp += hits[i]
        p.append(tp / n)
        r.append(tp / num_objects)
    return sum((r[n] - (r[n - 1] if n else 0)) * max(p[n:]) for n in range(len(p)))


def test_average_precision_matches_a_loop_and_sklearn():
    rng = np.random.default_rng(0)
    for _ in range(30):
        m = int(rng.integers(1, 30))
        s, h = rng.random(m), rng.random(m) < 0.5
        h[0] = True
        missed = int(rng.integers(0, 4))
        ap = average_precision(s, h, int(h.sum()) + missed)
        assert ap == pytest.approx(_ap_loop(s.tolist(), h.tolist(), int(h.sum()) + missed), abs=1e-12)
        # with precision non-increasing along the ranking (hits first) and nothing missed,
        # interpolation changes nothing and sklearn's uninterpolated AP must agree
        s_sorted = np.sort(s)[::-1]
        h_first = np.sort(h)[::-1]
        assert average_precision(s_sorted, h_first, int(h.sum())) == pytest.approx(
            sklearn_metrics.average_precision_score(h_first, s_sorted), abs=1e-12)
        # interpolation can only raise the area above sklearn's (rescaled to all objects)
        sk = sklearn_metrics.average_precision_score(h, s) * h.sum() / (h.sum() + missed)
        assert ap >= sk - 1e-12
    assert average_precision([0.9, 0.8, 0.1], [1, 0, 1], 3) == pytest.approx(1 / 3 + 1 / 3 * 2 / 3)
    assert average_precision(torch.tensor([0.5]), torch.tensor([False]), 2) == 0.0
    assert average_precision([0.2, 0.9], [True, True], 2) == 1.0


@pytest.mark.parametrize("args, match", [
    (("x", [1], 1), "scores"),
    (([0.5, float("nan")], [1, 0], 1), "scores"),
    (([[0.5]], [1], 1), "scores"),
    (([0.5, 0.4], [1], 1), "hits"),
    (([0.5], [2], 1), "hits"),
    (([0.5, 0.4], [1, 1], 1), "num_objects"),
    (([0.5], [1], 0), "num_objects"),
    (([0.5], [1], 1.5), "num_objects"),
])
def test_average_precision_bad_input(args, match):
    with pytest.raises((TypeError, ValueError), match=match):
        average_precision(*args)


DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA here"))]


@pytest.mark.parametrize("device", DEVICES)
def test_detection_helpers_follow_the_input_device(device):
    a = _anchors().to(device)
    t = encode_offsets(a, a + 0.5)
    assert t.device.type == device and decode_offsets(a, t).device.type == device
    boxes, labels = [torch.tensor([[0.0, 0, 6, 6]], device=device)], [torch.tensor([2], device=device)]
    classes, offsets = multibox_targets(a, boxes, labels)
    assert classes.device.type == device and offsets.device.type == device and (classes == 2).any()
    assert average_precision(torch.tensor([0.3, 0.9], device=device), torch.tensor([1, 1], device=device), 2) == 1.0
