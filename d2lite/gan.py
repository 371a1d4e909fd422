"""Generative adversarial networks: MLP builders, the two losses, a training loop, mode coverage.

>>> X = ring_of_gaussians(2048, seed=0)                          # (2048, 2): 8 modes on a ring
>>> G, D = mlp_generator(latent_dim=2, num_outputs=2), mlp_discriminator(num_inputs=2)
>>> hist = train_gan(G, D, X, latent_dim=2, num_steps=2000, snapshot_every=200)
>>> mode_coverage(hist.snapshots[-1], ring_centers(), threshold=0.1).num_covered

The discriminator returns one *logit* per example, shape ``(n,)``: ``D(x) = sigmoid(logit)``.
Losses are written on logits for numerical stability. Models follow their inputs' device; the
loop moves both models and the data to the device it is given.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn import functional as F

from ._checks import finite_tensor
from ._checks import (boolean, dropout_rate, float_array, non_negative_float, one_of, positive_float, positive_int,
                      seed as check_seed, tensor)
from .device import get_device

__all__ = ["ring_centers", "ring_of_gaussians", "mlp_generator", "mlp_discriminator",
           "discriminator_loss", "generator_loss", "GANHistory", "train_gan", "generate",
           "Coverage", "mode_coverage"]

LOSSES = ("non_saturating", "minimax")


# --- data: a ring of Gaussians ----------------------------------------------------------------
def ring_centers(num_modes: int = 8, *, radius: float = 2.0) -> torch.Tensor:
    """The ``num_modes`` centres, equally spaced on a circle of ``radius``; float32 ``(k, 2)``.

    Raises:
        TypeError, ValueError: ``num_modes`` is not a positive int or ``radius`` not a finite
            number > 0.
    """
    k = positive_int("num_modes", num_modes)
    r = positive_float("radius", radius)
    angles = 2 * math.pi * torch.arange(k, dtype=torch.float64) / k
    return (r * torch.stack([angles.cos(), angles.sin()], dim=1)).float()


def ring_of_gaussians(num_examples: int = 1000, *, num_modes: int = 8, radius: float = 2.0,
                      std: float = 0.05, seed: int = 0, return_modes: bool = False):
    """Draw points from an equal mixture of isotropic Gaussians whose means sit on a ring.

    Args:
        num_examples: number of points ``n``.
        num_modes: number of Gaussians ``k`` (their centres are :func:`ring_centers`).
        radius: radius of the ring.
        std: standard deviation of each Gaussian, in each coordinate.
        seed: seed of a private generator (the global RNG is untouched).
        return_modes: also return the index (0 … k-1) of the Gaussian each point came from.

    Returns:
        ``X`` float32 ``(n, 2)``, and with ``return_modes`` the int64 modes ``(n,)``.

    Raises:
        TypeError, ValueError: a count is not a positive int, ``radius`` is not > 0, ``std`` is
            negative, or ``seed``/``return_modes`` has the wrong type or range.
    """
    n = positive_int("num_examples", num_examples)
    std = non_negative_float("std", std)
    check_seed("seed", seed)
    boolean("return_modes", return_modes)
    centers = ring_centers(num_modes, radius=radius)
    g = torch.Generator().manual_seed(seed)
    modes = torch.randint(len(centers), (n,), generator=g)
    X = centers[modes] + std * torch.randn(n, 2, generator=g)
    return (X, modes) if return_modes else X


# --- models -------------------------------------------------------------------------------------
def _mlp(sizes, hidden_act) -> list[nn.Module]:
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(hidden_act())
    return layers


def mlp_generator(*, latent_dim: int, num_outputs: int, num_hiddens: int = 128, num_layers: int = 2,
                  out_activation: str | None = None) -> nn.Sequential:
    """An MLP ``G``: noise ``z`` ``(n, latent_dim)`` → samples ``(n, num_outputs)``.

    Args:
        latent_dim: size of the noise vector ``z``.
        num_outputs: size of one generated sample (2 for points, 64 or 784 for flat images).
        num_hiddens: width of each hidden layer (ReLU).
        num_layers: number of hidden layers.
        out_activation: ``None`` (any real value), ``"sigmoid"`` (pixels in [0, 1]) or ``"tanh"``.

    Raises:
        TypeError, ValueError: a size is not a positive int, or an unknown ``out_activation``.
    """
    sizes = [positive_int("latent_dim", latent_dim)]
    sizes += [positive_int("num_hiddens", num_hiddens)] * positive_int("num_layers", num_layers)
    sizes.append(positive_int("num_outputs", num_outputs))
    layers = _mlp(sizes, nn.ReLU)
    if out_activation not in (None, "sigmoid", "tanh"):
        raise ValueError(f"out_activation must be None, 'sigmoid' or 'tanh', got {out_activation!r}")
    if out_activation == "sigmoid":
        layers.append(nn.Sigmoid())
    elif out_activation == "tanh":
        layers.append(nn.Tanh())
    return nn.Sequential(*layers)


def mlp_discriminator(*, num_inputs: int, num_hiddens: int = 128, num_layers: int = 2,
                      negative_slope: float = 0.2, dropout: float = 0.0) -> nn.Sequential:
    """An MLP ``D``: samples ``(n, num_inputs)`` → one logit per sample ``(n,)``.

    Hidden units are leaky ReLUs, so that a fake sample far from the data still gets a gradient.
    ``dropout`` (a probability in [0, 1)) after each hidden layer keeps ``D`` from memorising a
    small training set.

    Raises:
        TypeError, ValueError: a size is not a positive int, ``negative_slope`` is negative or
            ``dropout`` is outside [0, 1).
    """
    sizes = [positive_int("num_inputs", num_inputs)]
    sizes += [positive_int("num_hiddens", num_hiddens)] * positive_int("num_layers", num_layers)
    slope = non_negative_float("negative_slope", negative_slope)
    dropout_rate("dropout", dropout)

    def act():
        return nn.Sequential(nn.LeakyReLU(slope), nn.Dropout(dropout)) if dropout else nn.LeakyReLU(slope)

    layers = _mlp(sizes + [1], act)
    return nn.Sequential(*layers, nn.Flatten(0))  # (n, 1) -> (n,)


# --- the two players' losses ------------------------------------------------------------------
def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """``-[mean log D(x) + mean log(1 - D(G(z)))]``: binary cross-entropy, real = 1, fake = 0.

    Both arguments are logits of shape ``(n,)`` and ``(m,)``; returns a scalar.
    """
    real_logits = tensor("real_logits", real_logits, 1, dtype="float", what=" of logits (n,)")
    fake_logits = tensor("fake_logits", fake_logits, 1, dtype="float", what=" of logits (m,)")
    for name, t in (("real_logits", real_logits), ("fake_logits", fake_logits)):
        if t.shape[0] == 0:
            raise ValueError(f"{name} must be a non-empty 1-D tensor of logits, got shape {tuple(t.shape)}")
    # log D = logsigmoid(a) and log(1 - D) = logsigmoid(-a): stable for any logit a
    return -(F.logsigmoid(real_logits).mean() + F.logsigmoid(-fake_logits).mean())


def generator_loss(fake_logits: torch.Tensor, kind: str = "non_saturating") -> torch.Tensor:
    """The generator's loss on the logits ``(n,)`` of its samples; returns a scalar.

    ``"minimax"``: ``mean log(1 - D(G(z)))``, the game's own value, which the generator
    minimises; its gradient vanishes when ``D(G(z))`` is near 0 (it *saturates*).
    ``"non_saturating"``: ``-mean log D(G(z))``, same fixed point, strong gradient early on.
    """
    fake_logits = tensor("fake_logits", fake_logits, 1, dtype="float", what=" of logits (n,)")
    if fake_logits.shape[0] == 0:
        raise ValueError(f"fake_logits must be a non-empty 1-D tensor of logits, got shape {tuple(fake_logits.shape)}")
    one_of("kind", kind, LOSSES)
    if kind == "minimax":
        return F.logsigmoid(-fake_logits).mean()
    return -F.logsigmoid(fake_logits).mean()


# --- training ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class GANHistory:
    """What :func:`train_gan` recorded.

    Attributes:
        d_loss, g_loss: one value per step (the last inner step of each player).
        d_real, d_fake: mean ``D(x)`` on the real batch and mean ``D(G(z))`` on the fake one.
        snapshot_steps: the steps at which samples were kept (0 = before training).
        snapshots: CPU tensors ``(num_snapshot, d)``, generated from the same fixed noise.
        z_fixed: that noise, ``(num_snapshot, latent_dim)`` on the CPU.
    """

    d_loss: list[float]
    g_loss: list[float]
    d_real: list[float]
    d_fake: list[float]
    snapshot_steps: list[int] = field(default_factory=list)
    snapshots: list[torch.Tensor] = field(default_factory=list)
    z_fixed: torch.Tensor | None = None


@torch.no_grad()
def generate(generator: nn.Module, z: torch.Tensor) -> torch.Tensor:
    """Samples ``generator(z)`` in eval mode, without gradients, on ``z``'s device."""
    if not isinstance(generator, nn.Module):
        raise TypeError(f"generator must be a torch.nn.Module, got {type(generator).__name__}")
    tensor("z", z, 2, dtype="float", what=" (n, latent_dim)")
    was_training = generator.training
    generator.eval()
    out = generator(z)
    generator.train(was_training)
    return out


def train_gan(generator: nn.Module, discriminator: nn.Module, X: torch.Tensor, *, latent_dim: int,
              num_steps: int, batch_size: int = 128, lr_g: float = 1e-3, lr_d: float = 1e-3,
              betas: tuple[float, float] = (0.5, 0.999), d_steps: int = 1, g_steps: int = 1,
              loss: str = "non_saturating", snapshot_every: int | None = None,
              num_snapshot: int = 512, device: torch.device | str | None = None,
              seed: int = 0) -> GANHistory:
    """Alternate ``d_steps`` discriminator updates and ``g_steps`` generator updates, ``num_steps`` times.

    Each discriminator update takes a fresh real mini-batch and fresh noise and descends
    :func:`discriminator_loss`; each generator update takes fresh noise and descends
    :func:`generator_loss` of kind ``loss``. Both players use Adam with ``betas``.

    This is the one training loop of d2lite that does not run through :class:`d2lite.Trainer`,
    on purpose: a round takes two optimisers and two alternating steps (the discriminator's on
    real and fake samples with the generator frozen, then the generator's through the
    discriminator), it draws its own batches and noise rather than reading a loader, and it counts
    rounds, not epochs. Folded into the Trainer's one-loss, one-optimiser step it would read worse.

    Args:
        generator: maps ``(b, latent_dim)`` noise to ``(b, d)`` samples.
        discriminator: maps ``(b, d)`` samples to ``(b,)`` logits.
        X: the real data, a float tensor ``(n, d)`` (flatten images first).
        latent_dim: size of the noise ``z ~ N(0, I)``.
        num_steps: number of rounds (each round = ``d_steps`` + ``g_steps`` updates).
        snapshot_every: keep samples from fixed noise every this many rounds (and at 0 and the end).
        num_snapshot: number of samples per snapshot.
        device: where to train (default :func:`d2lite.get_device`).
        seed: seed for the mini-batch indices and the noise (private generator).

    Returns:
        A :class:`GANHistory`. The models are left trained, on ``device``.

    Raises:
        TypeError: a model is not an ``nn.Module`` or ``X`` is not a tensor.
        ValueError: ``X`` is not 2-D, a count is not positive, ``loss`` is unknown, or the
            models' shapes do not fit ``X``.
    """
    for name, m in (("generator", generator), ("discriminator", discriminator)):
        if not isinstance(m, nn.Module):
            raise TypeError(f"{name} must be a torch.nn.Module, got {type(m).__name__}")
    if not isinstance(X, torch.Tensor) or not X.is_floating_point():
        raise TypeError(f"X must be a float torch.Tensor (n, d), got {type(X).__name__}")
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"X must be a non-empty 2-D tensor (n, d); flatten images first. Got shape {tuple(X.shape)}")
    finite_tensor("X", X)
    lr_g, lr_d = positive_float("lr_g", lr_g), positive_float("lr_d", lr_d)
    if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
        raise TypeError(f"betas must be a pair (beta1, beta2) for Adam, got {betas!r}")
    for b in betas:
        if isinstance(b, (bool, str)) or not isinstance(b, (int, float)) or not 0 <= b < 1:
            raise ValueError(f"betas must be two numbers in [0, 1), got {betas!r}")
    check_seed("seed", seed)
    latent_dim, num_steps, batch_size = (positive_int(k, v) for k, v in
                                         (("latent_dim", latent_dim), ("num_steps", num_steps),
                                          ("batch_size", batch_size)))
    d_steps, g_steps = positive_int("d_steps", d_steps), positive_int("g_steps", g_steps)
    num_snapshot = positive_int("num_snapshot", num_snapshot)
    one_of("loss", loss, LOSSES)
    every = positive_int("snapshot_every", snapshot_every) if snapshot_every is not None else num_steps
    device = device if isinstance(device, torch.device) else get_device(device)
    G, D, X = generator.to(device), discriminator.to(device), X.to(device)
    opt_g = torch.optim.Adam(G.parameters(), lr=lr_g, betas=betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=lr_d, betas=betas)
    g = torch.Generator().manual_seed(seed)  # indices and noise drawn on the CPU: same on every device

    def noise(b):
        return torch.randn(b, latent_dim, generator=g).to(device)

    z_fixed = torch.randn(num_snapshot, latent_dim, generator=g)
    with torch.no_grad():  # fail early, with a clear message, on mismatched shapes
        out = generate(G, z_fixed[:2].to(device))
        if out.shape != (2, X.shape[1]):
            raise ValueError(f"generator must map (b, {latent_dim}) noise to (b, {X.shape[1]}) samples "
                             f"like X, got {tuple(out.shape)}")
        if D(out).shape != (2,):
            raise ValueError(f"discriminator must return one logit per sample, shape (b,), got {tuple(D(out).shape)}")

    logs = {k: [] for k in ("d_loss", "g_loss", "d_real", "d_fake")}
    steps, snaps = [0], [generate(G, z_fixed.to(device)).cpu()]
    for step in range(1, num_steps + 1):
        for _ in range(d_steps):  # the discriminator learns to tell real (1) from fake (0)
            real = X[torch.randint(len(X), (batch_size,), generator=g).to(device)]
            with torch.no_grad():
                fake = G(noise(batch_size))  # G is fixed during D's step
            real_logits, fake_logits = D(real), D(fake)
            d_loss = discriminator_loss(real_logits, fake_logits)
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
        for _ in range(g_steps):  # the generator learns to make D call its samples real
            fake_logits = D(G(noise(batch_size)))
            g_loss = generator_loss(fake_logits, loss)
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()  # also fills D's grads; opt_d.zero_grad clears them next round
            opt_g.step()
        # kept as tensors: one GPU -> CPU copy at the end, not one per step
        for k, v in (("d_loss", d_loss), ("g_loss", g_loss), ("d_real", torch.sigmoid(real_logits).mean()),
                     ("d_fake", torch.sigmoid(fake_logits).mean())):
            logs[k].append(v.detach())
        if step % every == 0 or step == num_steps:
            steps.append(step)
            snaps.append(generate(G, z_fixed.to(device)).cpu())
    logs = {k: torch.stack(v).cpu().tolist() for k, v in logs.items()}
    return GANHistory(**logs, snapshot_steps=steps, snapshots=snaps, z_fixed=z_fixed)


# --- evaluation: which modes did the generator find? ------------------------------------------
@dataclass(frozen=True)
class Coverage:
    """Mode coverage of a set of samples (see :func:`mode_coverage`).

    Attributes:
        counts: number of high-quality samples nearest to each centre, int64 ``(k,)``.
        num_covered: centres with at least ``min_count`` of them.
        high_quality: share of all samples within ``threshold`` of their nearest centre.
    """

    counts: torch.Tensor
    num_covered: int
    high_quality: float


def mode_coverage(samples, centers, *, threshold: float, min_count: int | None = None) -> Coverage:
    """How many modes the samples cover, and how many samples land near some mode at all.

    A sample is *high quality* when its nearest centre is within ``threshold`` (e.g. three
    standard deviations of a mode). A mode is *covered* when at least ``min_count`` high-quality
    samples sit nearest to it; the default, a fifth of an equal share ``0.2 n / k``, ignores
    a mode that only a few stray samples reach.

    Args:
        samples: points ``(n, d)`` (tensor on any device, or array).
        centers: mode centres ``(k, d)``.
        threshold: distance that counts as "near".
        min_count: high-quality samples a mode needs to count as covered.

    Raises:
        ValueError: shapes do not fit, non-finite values, or a non-positive threshold.
    """
    S = torch.as_tensor(float_array("samples", samples, 2, what=" of points (n, d)"))
    C = torch.as_tensor(float_array("centers", centers, 2, what=" of centres (k, d)"))
    if S.shape[1] != C.shape[1]:
        raise ValueError(f"samples and centers must have the same dimension, got {S.shape[1]} and {C.shape[1]}")
    if non_negative_float("threshold", threshold) == 0:
        raise ValueError("threshold must be a positive distance, got 0")
    min_count = max(1, round(0.2 * len(S) / len(C))) if min_count is None else positive_int("min_count", min_count)
    dist, nearest = torch.cdist(S, C).min(dim=1)  # (n,) each
    near = dist <= threshold
    counts = torch.bincount(nearest[near], minlength=len(C))
    return Coverage(counts=counts, num_covered=int((counts >= min_count).sum()),
                    high_quality=float(near.double().mean()))
