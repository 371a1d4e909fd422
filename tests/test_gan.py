"""d2lite.gan: the ring sampler, MLP builders, the two losses, the training loop, mode coverage."""
import math

import pytest
import torch
from torch import nn
from torch.nn import functional as F

import d2lite as d2l
from d2lite.gan import (discriminator_loss, generate, generator_loss, mlp_discriminator, mlp_generator,
                        mode_coverage, ring_centers, ring_of_gaussians, train_gan)

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


# --- data ---------------------------------------------------------------------------------------
def test_ring_centers_lie_on_the_circle():
    C = ring_centers(8, radius=2.0)
    assert C.shape == (8, 2) and C.dtype == torch.float32
    torch.testing.assert_close(C.norm(dim=1), torch.full((8,), 2.0))
    torch.testing.assert_close(C[2], torch.tensor([0.0, 2.0]), atol=1e-6, rtol=0)


def test_ring_samples_sit_near_their_modes_and_repeat_with_the_seed():
    X, modes = ring_of_gaussians(4000, std=0.05, seed=3, return_modes=True)
    assert X.shape == (4000, 2) and modes.shape == (4000,)
    assert (X - ring_centers()[modes]).std().item() == pytest.approx(0.05, rel=0.1)
    assert torch.bincount(modes, minlength=8).min() > 400  # all 8 modes, roughly equally
    torch.testing.assert_close(X, ring_of_gaussians(4000, std=0.05, seed=3))
    assert not torch.equal(X, ring_of_gaussians(4000, std=0.05, seed=4))


@pytest.mark.parametrize("kwargs, err", [({"num_examples": 0}, ValueError), ({"num_examples": 2.5}, TypeError),
                                         ({"std": -1.0}, ValueError), ({"num_modes": 0}, ValueError)])
def test_ring_rejects_bad_arguments(kwargs, err):
    with pytest.raises(err):
        ring_of_gaussians(**{"num_examples": 10, **kwargs})


# --- models and losses -------------------------------------------------------------------------
def test_builders_give_the_documented_shapes():
    G = mlp_generator(latent_dim=3, num_outputs=64, num_hiddens=16, out_activation="sigmoid")
    D = mlp_discriminator(num_inputs=64, num_hiddens=16, dropout=0.2)
    out = G(torch.randn(5, 3))
    assert out.shape == (5, 64) and out.min() >= 0 and out.max() <= 1
    assert D(out).shape == (5,)
    assert sum(isinstance(m, nn.Linear) for m in G) == 3


@pytest.mark.parametrize("build, kwargs, err", [
    (mlp_generator, {"latent_dim": 0, "num_outputs": 2}, ValueError),
    (mlp_generator, {"latent_dim": 2, "num_outputs": 2, "out_activation": "relu"}, ValueError),
    (mlp_discriminator, {"num_inputs": 2, "dropout": 1.0}, ValueError),
    (mlp_discriminator, {"num_inputs": "2"}, TypeError)])
def test_builders_reject_bad_arguments(build, kwargs, err):
    with pytest.raises(err):
        build(**kwargs)


def test_losses_match_binary_cross_entropy():
    real, fake = torch.randn(7), torch.randn(5)
    bce = F.binary_cross_entropy_with_logits
    expected = bce(real, torch.ones(7)) + bce(fake, torch.zeros(5))
    torch.testing.assert_close(discriminator_loss(real, fake), expected)
    torch.testing.assert_close(generator_loss(fake), bce(fake, torch.ones(5)))
    torch.testing.assert_close(generator_loss(fake, "minimax"), -bce(fake, torch.zeros(5)))


def test_minimax_loss_saturates_and_non_saturating_does_not():
    a = torch.tensor([-6.0], requires_grad=True)  # D(G(z)) = sigmoid(-6) ~ 0.0025: D wins
    (g_mm,) = torch.autograd.grad(generator_loss(a, "minimax"), a)
    (g_ns,) = torch.autograd.grad(generator_loss(a, "non_saturating"), a)
    assert abs(g_mm.item()) < 0.01 and abs(g_ns.item()) > 0.99


@pytest.mark.parametrize("args, err", [((torch.zeros(3, 1), torch.zeros(3)), ValueError),
                                       (([0.0], torch.zeros(3)), TypeError)])
def test_losses_reject_bad_logits(args, err):
    with pytest.raises(err, match="logits"):
        discriminator_loss(*args)
    with pytest.raises(ValueError, match="kind"):
        generator_loss(torch.zeros(3), "wasserstein")


# --- training ------------------------------------------------------------------------------------
def _tiny_gan(seed=0):
    d2l.set_seed(seed)
    return mlp_generator(latent_dim=1, num_outputs=1, num_hiddens=16), mlp_discriminator(num_inputs=1, num_hiddens=16)


@pytest.mark.parametrize("device", DEVICES)
def test_train_gan_moves_the_generator_to_the_data(device):
    if device == "cuda" and not torch.cuda.is_available():
        pytest.skip("no CUDA here")
    X = 3 + 0.5 * torch.randn(512, 1, generator=torch.Generator().manual_seed(0))
    G, D = _tiny_gan()
    hist = train_gan(G, D, X, latent_dim=1, num_steps=200, batch_size=64, lr_g=5e-3, lr_d=5e-3,
                     snapshot_every=50, num_snapshot=256, device=device)
    assert hist.snapshot_steps == [0, 50, 100, 150, 200] and len(hist.snapshots) == 5
    assert all(s.shape == (256, 1) and s.device.type == "cpu" for s in hist.snapshots)
    assert len(hist.d_loss) == len(hist.g_loss) == len(hist.d_fake) == 200
    assert abs(hist.snapshots[0].mean().item() - 3) > 1.5   # it started far away ...
    assert abs(hist.snapshots[-1].mean().item() - 3) < 0.5  # ... and ended near the data
    assert next(G.parameters()).device.type == device


def test_train_gan_repeats_with_the_same_seed():
    X = torch.randn(64, 1)
    runs = []
    for _ in range(2):
        G, D = _tiny_gan()
        runs.append(train_gan(G, D, X, latent_dim=1, num_steps=20, batch_size=16, device="cpu", seed=5).g_loss)
    assert runs[0] == runs[1]


@pytest.mark.parametrize("X, kwargs, err, match", [
    (torch.zeros(10, 1, 1), {}, ValueError, "2-D"),
    (torch.zeros(10, 1, dtype=torch.long), {}, TypeError, "float"),
    (torch.zeros(10, 2), {}, ValueError, "generator must map"),
    (torch.zeros(10, 1), {"loss": "hinge"}, ValueError, "loss"),
    (torch.zeros(10, 1), {"num_steps": 0}, ValueError, "num_steps")])
def test_train_gan_rejects_bad_input(X, kwargs, err, match):
    G, D = _tiny_gan()
    with pytest.raises(err, match=match):
        train_gan(G, D, X, **{"latent_dim": 1, "num_steps": 2, "device": "cpu", **kwargs})
    with pytest.raises(TypeError, match="generator"):
        train_gan("G", D, torch.zeros(10, 1), latent_dim=1, num_steps=2, device="cpu")


def test_generate_restores_training_mode():
    G = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    out = generate(G, torch.ones(3, 2))
    assert out.shape == (3, 2) and G.training and not out.requires_grad
    with pytest.raises(ValueError, match="2-D"):
        generate(G, torch.ones(2))


# --- mode coverage ------------------------------------------------------------------------------
def test_mode_coverage_on_real_data_and_on_a_collapsed_generator():
    C = ring_centers()
    cov = mode_coverage(ring_of_gaussians(2000, std=0.05, seed=0), C, threshold=0.15)
    assert cov.num_covered == 8 and cov.high_quality > 0.98 and cov.counts.sum() <= 2000
    collapsed = C[3] + 0.01 * torch.randn(500, 2)
    cov = mode_coverage(collapsed, C, threshold=0.15)
    assert cov.num_covered == 1 and cov.counts[3] == 500 and cov.high_quality == 1.0
    far = 10 * torch.ones(100, 2)
    assert mode_coverage(far, C, threshold=0.15).high_quality == 0.0


def test_mode_coverage_min_count():
    C = ring_centers(4)
    S = torch.cat([C[0].repeat(98, 1), C[1].repeat(2, 1)])
    assert mode_coverage(S, C, threshold=0.1).num_covered == 1  # default min_count: 0.2 * 100 / 4 = 5
    assert mode_coverage(S, C, threshold=0.1, min_count=2).num_covered == 2


@pytest.mark.parametrize("S, kwargs, err", [(torch.zeros(5, 3), {"threshold": 0.1}, ValueError),
                                            (torch.zeros(5, 2), {"threshold": 0.0}, ValueError),
                                            (torch.full((5, 2), math.nan), {"threshold": 0.1}, ValueError),
                                            (torch.zeros(5, 2), {"threshold": 0.1, "min_count": 0}, ValueError)])
def test_mode_coverage_rejects_bad_input(S, kwargs, err):
    with pytest.raises(err):
        mode_coverage(S, ring_centers(), **kwargs)
