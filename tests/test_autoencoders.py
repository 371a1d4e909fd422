"""d2lite.autoencoders: shapes, the KL term against torch.distributions, corruptions, bad input."""
import pytest
import torch
from torch import distributions as D

import d2lite as d2l
from d2lite.autoencoders import (CORRUPTIONS, VAE, Autoencoder, VAEOutput, corrupt, elbo_loss,
                                 gaussian_kl, watermark_mark)

DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(),
                                                                 reason="needs CUDA"))]


def _images(n=6, side=28, seed=0):
    return torch.rand(n, 1, side, side, generator=torch.Generator().manual_seed(seed))


# --- models -----------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(5, 784), (5, 1, 28, 28)])
def test_autoencoder_shapes(shape):
    ae = Autoencoder(num_inputs=784, num_hiddens=(32, 16), latent_dim=3)
    X = torch.rand(shape)
    X_hat = ae(X)
    assert X_hat.shape == X.shape and ((X_hat > 0) & (X_hat < 1)).all()
    assert ae.encode(X).shape == (5, 3) and ae.decode(torch.zeros(2, 3)).shape == (2, 784)


def test_linear_autoencoder_is_linear():
    ae = Autoencoder(num_inputs=10, num_hiddens=(), latent_dim=2, activation="none", output="none")
    assert [type(m).__name__ for m in ae.modules()].count("Linear") == 2
    X = torch.randn(4, 10)
    # affine map: f(a + b) - f(0) = (f(a) - f(0)) + (f(b) - f(0))
    f0 = ae(torch.zeros(1, 10))
    torch.testing.assert_close(ae(X[:1] + X[1:2]) - f0, (ae(X[:1]) - f0) + (ae(X[1:2]) - f0))


def test_vae_shapes_and_sampling():
    torch.manual_seed(0)
    vae = VAE(num_inputs=784, num_hiddens=(32,), latent_dim=2)
    X = _images(5)
    out = vae(X)
    assert isinstance(out, VAEOutput)
    assert out.logits.shape == (5, 784) and out.mu.shape == out.logvar.shape == out.z.shape == (5, 2)
    assert not torch.equal(vae(X).z, out.z)  # a fresh sample per call
    assert vae.decode(torch.zeros(3, 2)).shape == (3, 784)


def test_reparameterize_is_differentiable():
    mu = torch.tensor([0.5, -1.0], requires_grad=True)
    logvar = torch.tensor([0.0, 2.0], requires_grad=True)
    eps = torch.tensor([1.0, -0.5])
    z = VAE.reparameterize(mu, logvar, eps)
    torch.testing.assert_close(z.detach(), torch.tensor([1.5, -1.0 - 0.5 * torch.e]))
    z.sum().backward()
    torch.testing.assert_close(mu.grad, torch.ones(2))
    torch.testing.assert_close(logvar.grad, 0.5 * torch.exp(0.5 * logvar.detach()) * eps)


# --- ELBO --------------------------------------------------------------------------------
def test_gaussian_kl_matches_torch_distributions():
    g = torch.Generator().manual_seed(0)
    mu, logvar = torch.randn(7, 3, generator=g), torch.randn(7, 3, generator=g)
    ref = D.kl_divergence(D.Normal(mu, torch.exp(0.5 * logvar)), D.Normal(0.0, 1.0)).sum(-1)
    torch.testing.assert_close(gaussian_kl(mu, logvar), ref)
    assert gaussian_kl(torch.zeros(2, 4), torch.zeros(2, 4)).abs().max() == 0


def test_elbo_loss_is_bce_plus_kl():
    torch.manual_seed(0)
    vae = VAE(num_inputs=16, num_hiddens=(8,), latent_dim=2)
    X = torch.rand(4, 16)
    out = vae(X)
    loss, recon, kl = elbo_loss(out, X, return_terms=True)
    bce = torch.nn.functional.binary_cross_entropy(torch.sigmoid(out.logits), X, reduction="sum") / 4
    assert recon == pytest.approx(bce.item(), rel=1e-5)
    assert kl == pytest.approx(gaussian_kl(out.mu, out.logvar).mean().item(), rel=1e-5)
    assert loss.item() == pytest.approx(recon + kl, rel=1e-5)
    assert elbo_loss(out, X, beta=0.0).item() == pytest.approx(recon, rel=1e-5)


def test_vae_trains_on_cpu_with_the_trainer():
    torch.manual_seed(0)
    X = (torch.rand(64, 16) > 0.5).float()
    vae = VAE(num_inputs=16, num_hiddens=(32,), latent_dim=2)
    trainer = d2l.Trainer(max_epochs=15, device="cpu", callbacks=[])
    hist = trainer.fit(vae, d2l.make_loader(X, X, batch_size=16), loss_fn=elbo_loss,
                       optimizer=torch.optim.Adam(vae.parameters(), lr=1e-2))
    assert hist["train_loss"][-1] < hist["train_loss"][0]


# --- corruptions -------------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
@pytest.mark.parametrize("flat", [False, True])
def test_corrupt_shapes_range_and_seed(kind, flat):
    X = _images(4)
    X_in = X.flatten(1) if flat else X
    Y = corrupt(X_in, kind, seed=1)
    assert Y.shape == X_in.shape and Y.dtype == X_in.dtype and 0 <= Y.min() and Y.max() <= 1
    assert not torch.equal(Y, X_in)
    assert torch.equal(Y, corrupt(X_in, kind, seed=1)) and torch.equal(X_in, X.flatten(1) if flat else X)


def test_mosaic_changes_one_block_averaged_square():
    X = _images(1)
    Y = corrupt(X, "mosaic", amount=8, seed=0)[0, 0]
    changed = (Y != X[0, 0]).nonzero()
    rows, cols = changed[:, 0], changed[:, 1]
    assert rows.max() - rows.min() < 8 and cols.max() - cols.min() < 8
    top, left = rows.min().item(), cols.min().item()
    block = Y[top:top + 4, left:left + 4]
    assert torch.allclose(block, block[0, 0].expand(4, 4))
    assert torch.isclose(block[0, 0], X[0, 0, top:top + 4, left:left + 4].mean())


def test_watermark_mark():
    m = watermark_mark(11)
    assert m.shape == (11, 11) and set(m.unique().tolist()) == {0.0, 1.0}
    assert torch.equal(m, m.T)  # the ring and the anti-diagonal bar are symmetric


# --- bad input ---------------------------------------------------------------------------
def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="latent_dim"):
        Autoencoder(latent_dim=0)
    with pytest.raises(TypeError, match="num_hiddens"):
        Autoencoder(num_hiddens=256)
    with pytest.raises(ValueError, match="activation"):
        VAE(activation="gelu")
    with pytest.raises(ValueError, match="hidden layer"):
        VAE(num_hiddens=())


def test_bad_inputs_say_what_was_expected():
    ae, vae = Autoencoder(num_inputs=784, latent_dim=2), VAE(num_inputs=784)
    with pytest.raises(ValueError, match="784"):
        ae(torch.rand(3, 100))
    with pytest.raises(TypeError, match="float"):
        ae(torch.ones(3, 784, dtype=torch.long))
    with pytest.raises(TypeError, match="Tensor"):
        vae.encode([[0.0] * 784])
    out = vae(torch.rand(2, 784))
    # no range check on X: elbo_loss runs every step and reading X would sync the device
    with pytest.raises(TypeError, match="X"):
        elbo_loss(out, torch.ones(2, 784, dtype=torch.long))
    with pytest.raises(ValueError, match="one row per input"):
        elbo_loss(out, torch.rand(3, 784))
    with pytest.raises(TypeError, match="tuple"):
        elbo_loss(out.logits, torch.rand(2, 784))
    with pytest.raises(ValueError, match="share one shape"):
        gaussian_kl(torch.zeros(2, 3), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="eps"):
        VAE.reparameterize(torch.zeros(2), torch.zeros(2), torch.zeros(3))


def test_bad_corruptions():
    X = _images(2)
    with pytest.raises(ValueError, match="kind"):
        corrupt(X, "blur")
    with pytest.raises(ValueError, match="multiple of 4"):
        corrupt(X, "mosaic", amount=10)
    with pytest.raises(ValueError, match="opacity"):
        corrupt(X, "watermark", amount=1.5)
    with pytest.raises(ValueError, match="share"):
        corrupt(X, "saltpepper", amount=2)
    with pytest.raises(ValueError, match="amount"):
        corrupt(X, "gaussian", amount=-0.1)
    with pytest.raises(ValueError, match="square"):
        corrupt(torch.rand(2, 30), "gaussian")
    with pytest.raises(TypeError, match="float"):
        corrupt((X > 0.5).long(), "gaussian")


# --- devices -----------------------------------------------------------------------------
@pytest.mark.parametrize("device", DEVICES)
def test_models_and_corruption_follow_the_device(device):
    torch.manual_seed(0)
    X = _images(4).to(device)
    ae = Autoencoder(num_inputs=784, num_hiddens=(16,), latent_dim=2).to(device)
    vae = VAE(num_inputs=784, num_hiddens=(16,), latent_dim=2).to(device)
    assert ae(X).device.type == device
    out = vae(X)
    loss = elbo_loss(out, X)
    loss.backward()
    assert out.z.device.type == device and torch.isfinite(loss)
    Y = corrupt(X, "mosaic", seed=3)
    assert Y.device.type == device
    torch.testing.assert_close(Y.cpu(), corrupt(X.cpu(), "mosaic", seed=3))  # same damage everywhere


@pytest.mark.parametrize("kind, amount, num_marked", [("mosaic", 12, 144), ("watermark", 0.5, 121),
                                                      ("gaussian", 0.3, 784)])
def test_corrupt_mask_covers_every_changed_pixel(kind, amount, num_marked):
    X = _images(3)
    Y, mask = corrupt(X, kind, amount=amount, seed=2, return_mask=True)
    assert mask.shape == X.shape and mask.dtype == torch.bool
    assert (mask.flatten(1).sum(1) == num_marked).all()
    assert not (Y != X)[~mask].any()
    Y_flat, mask_flat = corrupt(X.flatten(1), kind, amount=amount, seed=2, return_mask=True)
    assert torch.equal(Y_flat, Y.flatten(1)) and torch.equal(mask_flat, mask.flatten(1))
