"""Autoencoders and variational autoencoders: the models, the ELBO, and corruptions to denoise.

An :class:`Autoencoder` squeezes each input through a small *code* and rebuilds it; a
:class:`VAE` maps each input to a Gaussian over codes instead of to one point, and is trained by
:func:`elbo_loss` (reconstruction + KL). :func:`corrupt` makes the damaged inputs a denoising
autoencoder learns to repair: Gaussian noise, salt and pepper, a mosaic patch, a watermark.

>>> ae = Autoencoder(num_inputs=784, num_hiddens=(128,), latent_dim=16)
>>> X_hat = ae(X)                          # same shape as X, values in (0, 1)
>>> vae = VAE(num_inputs=784, num_hiddens=(256,), latent_dim=2)
>>> loss = elbo_loss(vae(X), X)            # mean negative ELBO per example

Models take rows ``(n, num_inputs)`` or images ``(n, C, H, W)`` with ``C*H*W == num_inputs``,
and follow their input's device.
"""
from __future__ import annotations

import math
from typing import NamedTuple, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from ._checks import boolean, non_negative_float, one_of, positive_int, rows, seed as check_seed, sizes, tensor

__all__ = ["Autoencoder", "VAE", "VAEOutput", "gaussian_kl", "elbo_loss", "corrupt",
           "watermark_mark", "CORRUPTIONS"]

ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "none": nn.Identity}
#: corruption kind -> (what ``amount`` means, its default)
CORRUPTIONS = {"gaussian": ("noise standard deviation", 0.5),
               "saltpepper": ("share of pixels set to 0 or 1", 0.2),
               "mosaic": ("side of the pixelated square, a multiple of 4 pixels", 12),
               "watermark": ("opacity of the mark, in (0, 1]", 0.8)}
MOSAIC_BLOCK = 4  # a mosaic averages blocks of 4 x 4 pixels


def _mlp(sizes: Sequence[int], activation: str, *, last: bool) -> nn.Sequential:
    """Linear layers through ``sizes``; ``activation`` after each, after the last only if ``last``."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if last or i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


class Autoencoder(nn.Module):
    """An MLP autoencoder: encoder ``num_inputs → *num_hiddens → latent_dim``, mirrored decoder.

    Args:
        num_inputs: size of one flattened input (784 for 28×28 digits).
        num_hiddens: widths of the encoder's hidden layers (the decoder uses them reversed);
            ``()`` gives one linear map each way.
        latent_dim: size of the code, the bottleneck.
        activation: ``"relu"``, ``"sigmoid"``, ``"tanh"`` or ``"none"`` (a linear autoencoder).
        output: ``"sigmoid"`` squashes reconstructions into (0, 1); ``"none"`` leaves them linear.

    ``forward(X)`` returns a reconstruction of ``X``'s shape; ``encode(X)`` the codes
    ``(n, latent_dim)``; ``decode(Z)`` rows ``(n, num_inputs)``. The code has no activation.

    Raises:
        TypeError, ValueError: a size is not a positive int, or an option is unknown.
    """

    def __init__(self, *, num_inputs: int = 784, num_hiddens: Sequence[int] = (256,),
                 latent_dim: int = 16, activation: str = "relu", output: str = "sigmoid"):
        super().__init__()
        self.num_inputs = positive_int("num_inputs", num_inputs)
        self.latent_dim = positive_int("latent_dim", latent_dim)
        hiddens = sizes("num_hiddens", num_hiddens)
        one_of("activation", activation, ACTIVATIONS)
        one_of("output", output, ("sigmoid", "none"))
        self.encoder = _mlp((self.num_inputs, *hiddens, self.latent_dim), activation, last=False)
        self.decoder = _mlp((self.latent_dim, *hiddens[::-1], self.num_inputs), activation, last=False)
        if output == "sigmoid":
            self.decoder.append(nn.Sigmoid())

    def encode(self, X: torch.Tensor) -> torch.Tensor:
        """Codes ``(n, latent_dim)`` of inputs ``X`` (rows or images)."""
        return self.encoder(rows("X", X, self.num_inputs))

    def decode(self, Z: torch.Tensor) -> torch.Tensor:
        """Reconstructed rows ``(n, num_inputs)`` from codes ``Z`` ``(n, latent_dim)``."""
        return self.decoder(rows("Z", Z, self.latent_dim))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(X)).reshape(X.shape)


class VAEOutput(NamedTuple):
    """What :class:`VAE` returns: decoder logits ``(n, num_inputs)``; ``mu``, ``logvar`` and the
    sampled codes ``z``, each ``(n, latent_dim)``."""

    logits: torch.Tensor
    mu: torch.Tensor
    logvar: torch.Tensor
    z: torch.Tensor


class VAE(nn.Module):
    """A variational autoencoder with a Gaussian encoder and a Bernoulli (pixel-wise) decoder.

    The encoder maps an input to the mean ``mu`` and log-variance ``logvar`` of a diagonal
    Gaussian ``q(z | x)``; ``z = mu + exp(logvar / 2) * eps`` with ``eps ~ N(0, I)`` (the
    reparameterisation trick) is decoded to one logit per pixel.

    Args:
        num_inputs: size of one flattened input.
        num_hiddens: widths of the encoder's hidden layers (reversed in the decoder).
        latent_dim: dimension of ``z``.
        activation: hidden activation, as in :class:`Autoencoder`.

    ``forward(X)`` samples a fresh ``z`` per call (in train and eval mode) and returns a
    :class:`VAEOutput`; ``decode(Z)`` returns pixel probabilities ``(n, num_inputs)``.
    """

    def __init__(self, *, num_inputs: int = 784, num_hiddens: Sequence[int] = (256,),
                 latent_dim: int = 2, activation: str = "relu"):
        super().__init__()
        self.num_inputs = positive_int("num_inputs", num_inputs)
        self.latent_dim = positive_int("latent_dim", latent_dim)
        hiddens = sizes("num_hiddens", num_hiddens)
        if not hiddens:
            raise ValueError("a VAE needs at least one hidden layer, got num_hiddens=()")
        one_of("activation", activation, ACTIVATIONS)
        self.encoder = _mlp((self.num_inputs, *hiddens), activation, last=True)
        self.to_mu = nn.Linear(hiddens[-1], self.latent_dim)
        self.to_logvar = nn.Linear(hiddens[-1], self.latent_dim)
        self.decoder = _mlp((self.latent_dim, *hiddens[::-1], self.num_inputs), activation, last=False)

    def encode(self, X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(mu, logvar)`` of ``q(z | x)``, each ``(n, latent_dim)``."""
        H = self.encoder(rows("X", X, self.num_inputs))
        return self.to_mu(H), self.to_logvar(H)

    @staticmethod
    def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor | None = None) -> torch.Tensor:
        """``mu + exp(logvar / 2) * eps``; ``eps ~ N(0, I)`` is drawn when not given."""
        if mu.shape != logvar.shape:
            raise ValueError(f"mu and logvar must have the same shape, got {tuple(mu.shape)} and {tuple(logvar.shape)}")
        if eps is None:
            eps = torch.randn_like(mu)
        elif eps.shape != mu.shape:
            raise ValueError(f"eps must have mu's shape {tuple(mu.shape)}, got {tuple(eps.shape)}")
        return mu + torch.exp(0.5 * logvar) * eps

    def decode_logits(self, Z: torch.Tensor) -> torch.Tensor:
        """One logit per pixel, ``(n, num_inputs)``, for codes ``Z`` ``(n, latent_dim)``."""
        return self.decoder(rows("Z", Z, self.latent_dim))

    def decode(self, Z: torch.Tensor) -> torch.Tensor:
        """Pixel probabilities ``(n, num_inputs)`` for codes ``Z`` ``(n, latent_dim)``."""
        return torch.sigmoid(self.decode_logits(Z))

    def forward(self, X: torch.Tensor) -> VAEOutput:
        mu, logvar = self.encode(X)
        z = self.reparameterize(mu, logvar)
        return VAEOutput(self.decode_logits(z), mu, logvar, z)


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL( N(mu, diag(exp(logvar))) || N(0, I) ), summed over the last dimension.

    ``0.5 * sum(mu**2 + exp(logvar) - 1 - logvar)``; returns shape ``mu.shape[:-1]``.

    Raises:
        TypeError: an argument is not a float tensor.
        ValueError: the shapes differ or are 0-D.
    """
    for name, t in (("mu", mu), ("logvar", logvar)):
        tensor(name, t, dtype="float")
    if mu.shape != logvar.shape or mu.ndim == 0:
        raise ValueError(f"mu and logvar must share one shape with at least 1 dimension, "
                         f"got {tuple(mu.shape)} and {tuple(logvar.shape)}")
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(-1)


def elbo_loss(output, X: torch.Tensor, *, beta: float = 1.0, return_terms: bool = False):
    """Negative ELBO per example, averaged over the batch: reconstruction + ``beta`` × KL.

    The reconstruction term is the Bernoulli negative log-likelihood (binary cross-entropy
    summed over pixels) of ``X`` under the decoder's logits; the KL term is :func:`gaussian_kl`.

    Args:
        output: a :class:`VAEOutput`, or any tuple whose first three items are
            ``(logits (n, d), mu (n, k), logvar (n, k))``.
        X: the inputs, ``(n, d)`` rows or ``(n, C, H, W)`` images, values in [0, 1] (not
            checked here: reading them would sync the device on every step).
        beta: weight of the KL term (1 gives the ELBO; other values a beta-VAE).
        return_terms: also return the batch means of the two terms (as plain floats).

    Returns:
        The scalar loss, or ``(loss, reconstruction, kl)`` with ``return_terms=True``.

    Raises:
        TypeError: ``output`` is not such a tuple, or ``X`` not a float tensor.
        ValueError: shapes disagree.
    """
    if not isinstance(output, tuple) or len(output) < 3:
        raise TypeError(f"output must be a VAEOutput or a tuple (logits, mu, logvar, ...), got {type(output).__name__}")
    logits, mu, logvar = output[:3]
    beta = non_negative_float("beta", beta)
    boolean("return_terms", return_terms)
    if not all(isinstance(t, torch.Tensor) for t in (logits, mu, logvar)) or logits.ndim != 2:
        raise ValueError("output must hold tensors logits (n, d), mu (n, k), logvar (n, k), got "
                         + ", ".join(str(tuple(getattr(t, "shape", ()))) for t in (logits, mu, logvar)))
    target = rows("X", X, logits.shape[1])
    if len(logits) != len(target) or len(mu) != len(target):
        raise ValueError(f"logits (n, d) and mu (n, k) must have one row per input, got logits "
                         f"{tuple(logits.shape)}, mu {tuple(mu.shape)} and X {tuple(X.shape)}")
    recon = F.binary_cross_entropy_with_logits(logits, target, reduction="none").sum(1)  # (n,)
    kl = gaussian_kl(mu, logvar)                                                          # (n,)
    loss = (recon + beta * kl).mean()
    if return_terms:
        return loss, recon.mean().item(), kl.mean().item()
    return loss


def watermark_mark(size: int = 11) -> torch.Tensor:
    """A ``(size, size)`` mark of 0s and 1s: a ring with a diagonal bar, like a stamped logo."""
    size = positive_int("size", size)
    r = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    dist = torch.sqrt(r[:, None] ** 2 + r[None, :] ** 2)
    ring = (dist - (size - 1) / 2).abs() < 0.75
    bar = (r[:, None] + r[None, :]).abs() < 0.75
    return (ring | (bar & (dist < (size - 1) / 2))).float()


def corrupt(X: torch.Tensor, kind: str, *, amount: float | None = None, seed: int = 0,
            return_mask: bool = False):
    """A damaged copy of images ``X`` with values in [0, 1] (``X`` itself is not changed).

    Kinds (``amount`` and its default in :data:`CORRUPTIONS`):

    - ``"gaussian"``: add ``amount`` × N(0, 1) to every pixel, clip to [0, 1];
    - ``"saltpepper"``: set a share ``amount`` of pixels to 0 or 1 at random;
    - ``"mosaic"``: pixelate a square of side ``amount`` at a random place (4×4 block means),
      the 马赛克 of censored photos;
    - ``"watermark"``: blend :func:`watermark_mark` in at a random place with opacity ``amount``.

    Args:
        X: ``(n, 1, H, W)`` images, or ``(n, H*W)`` rows of square images.
        kind: ``"gaussian"``, ``"saltpepper"``, ``"mosaic"`` or ``"watermark"``.
        amount: strength of the damage (see above); ``None`` takes the kind's default.
        seed: seed of a private generator, so the same call gives the same damage.
        return_mask: also return a bool tensor of ``X``'s shape, True on the pixels the
            corruption may have touched (all pixels for noise, the square for a patch).

    Returns:
        A tensor of ``X``'s shape, dtype and device (and the mask with ``return_mask=True``).

    Raises:
        TypeError: ``X`` is not a float tensor. ValueError: unknown kind, bad shape or amount.
    """
    one_of("kind", kind, CORRUPTIONS)
    check_seed("seed", seed)
    boolean("return_mask", return_mask)
    if not isinstance(X, torch.Tensor) or not X.is_floating_point():
        raise TypeError(f"X must be a float torch.Tensor of images, got {type(X).__name__}"
                        + (f" of dtype {X.dtype}" if isinstance(X, torch.Tensor) else ""))
    side = math.isqrt(X.shape[-1]) if X.ndim == 2 else (X.shape[-1] if X.ndim == 4 else 0)
    if not ((X.ndim == 4 and X.shape[1] == 1 and X.shape[2] == side) or (X.ndim == 2 and side * side == X.shape[1])):
        raise ValueError(f"X must be (n, 1, H, H) images or (n, H*H) rows of square images, got shape {tuple(X.shape)}")
    amount = CORRUPTIONS[kind][1] if amount is None else non_negative_float("amount", amount)
    g = torch.Generator().manual_seed(seed)  # on the CPU: the same damage on every device
    imgs = X.detach().reshape(len(X), side, side).clone()
    mask = torch.ones(imgs.shape, dtype=torch.bool, device=imgs.device)
    if kind == "gaussian":
        out = imgs + amount * torch.randn(imgs.shape, generator=g).to(imgs)
    elif kind == "saltpepper":
        if amount > 1:
            raise ValueError(f"amount for 'saltpepper' is a share of pixels in [0, 1], got {amount}")
        hit = (torch.rand(imgs.shape, generator=g) < amount).to(imgs.device)
        salt = torch.randint(0, 2, imgs.shape, generator=g).to(imgs)
        out, mask = torch.where(hit, salt, imgs), hit
    else:
        out, mask = _patch(imgs, kind, amount, side, g)
    out = out.clamp(0, 1).reshape(X.shape).to(X.dtype)
    return (out, mask.reshape(X.shape)) if return_mask else out


def _patch(imgs: torch.Tensor, kind: str, amount: float, side: int, g: torch.Generator):
    """Mosaic or watermark, one square per image at a random place; returns (images, mask)."""
    if kind == "mosaic":
        size = int(amount)
        if size != amount or size % MOSAIC_BLOCK or not 0 < size <= side:
            raise ValueError(f"amount for 'mosaic' is the side of the square, a multiple of "
                             f"{MOSAIC_BLOCK} in [{MOSAIC_BLOCK}, {side}], got {amount}")
    else:
        if not 0 < amount <= 1:
            raise ValueError(f"amount for 'watermark' is an opacity in (0, 1], got {amount}")
        mark = watermark_mark(min(11, side)).to(imgs)
        size = len(mark)
    n = len(imgs)
    corners = torch.randint(0, side - size + 1, (n, 2), generator=g).to(imgs.device)
    offsets = torch.arange(size, device=imgs.device)
    rows = (corners[:, 0:1] + offsets)[:, :, None]                      # (n, size, 1)
    cols = (corners[:, 1:2] + offsets)[:, None, :]                      # (n, 1, size)
    which = torch.arange(n, device=imgs.device)[:, None, None]
    window = imgs[which, rows, cols]                                    # (n, size, size)
    if kind == "mosaic":
        b, k = MOSAIC_BLOCK, size // MOSAIC_BLOCK
        means = window.reshape(n, k, b, k, b).mean(dim=(2, 4))          # (n, k, k) block means
        window = means.repeat_interleave(b, 1).repeat_interleave(b, 2)
    else:
        window = window * (1 - amount * mark) + amount * mark
    imgs[which, rows, cols] = window
    mask = torch.zeros(imgs.shape, dtype=torch.bool, device=imgs.device)
    mask[which, rows, cols] = True
    return imgs, mask
