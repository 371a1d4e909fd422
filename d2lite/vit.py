"""Vision Transformer: an image cut into patches is a sequence of "words" for a Transformer encoder.

:func:`patchify` cuts images (batch, C, H, W) into flattened patches (batch, num_patches,
C·p·p), row by row; :class:`PatchEmbedding` projects them linearly (done as a strided
``Conv2d``, which is the same map). :class:`ViT` prepends a learned class token, adds learned
position embeddings, runs :class:`d2lite.transformer.TransformerEncoderBlock` s and classifies
from the class token's final state.
"""
from __future__ import annotations

import torch
from torch import nn

from ._checks import dropout_rate, images, positive_int
from .transformer import TransformerEncoderBlock

__all__ = ["PatchEmbedding", "ViT", "patchify"]


def patchify(X: torch.Tensor, patch_size: int) -> torch.Tensor:
    """Cut images into non-overlapping ``patch_size`` squares, left to right, top to bottom.

    ``X`` (batch, C, H, W) -> (batch, (H/p)·(W/p), C·p·p); each row is one patch flattened in
    (channel, row, column) order, the order a ``Conv2d`` kernel's weights use.

    Raises:
        TypeError, ValueError: ``X`` is not float images, or ``patch_size`` does not divide H and W.
    """
    p = positive_int("patch_size", patch_size)
    images("X", X)
    if X.shape[2] % p or X.shape[3] % p:
        raise ValueError(f"X: image size {tuple(X.shape[2:])} is not divisible by patch_size={p}")
    b, c, h, w = X.shape
    X = X.reshape(b, c, h // p, p, w // p, p)                # (b, c, rows, p, cols, p)
    X = X.permute(0, 2, 4, 1, 3, 5)                          # (b, rows, cols, c, p, p)
    return X.reshape(b, (h // p) * (w // p), c * p * p)


class PatchEmbedding(nn.Module):
    """Linear embedding of each patch: a ``Conv2d`` with kernel = stride = ``patch_size``.

    ``forward(X)``: (batch, in_channels, image_size, image_size) -> (batch, num_patches, num_hiddens).
    """

    def __init__(self, *, image_size: int = 28, patch_size: int = 7, in_channels: int = 1, num_hiddens: int = 64):
        super().__init__()
        self.image_size = positive_int("image_size", image_size)
        self.patch_size = positive_int("patch_size", patch_size)
        self.in_channels = positive_int("in_channels", in_channels)
        if image_size % patch_size:
            raise ValueError(f"image_size={image_size} must be a multiple of patch_size={patch_size}")
        self.num_patches = (image_size // patch_size) ** 2
        self.conv = nn.Conv2d(in_channels, positive_int("num_hiddens", num_hiddens), kernel_size=patch_size,
                              stride=patch_size)

    def forward(self, X):
        images("X", X, self.in_channels)
        if tuple(X.shape[2:]) != (self.image_size, self.image_size):
            raise ValueError(f"X must be {self.image_size}x{self.image_size} images, got {tuple(X.shape[2:])}")
        return self.conv(X).flatten(2).transpose(1, 2)      # (b, d, rows, cols) -> (b, rows*cols, d)


class ViT(nn.Module):
    """A small Vision Transformer classifier.

    Args:
        image_size, patch_size, in_channels: square images of ``image_size`` pixels;
            ``patch_size`` must divide it.
        num_hiddens, num_heads, ffn_num_hiddens, num_layers, num_classes: positive ints.
        dropout: dropout rate in [0, 1).

    ``forward(X)``: images (batch, in_channels, image_size, image_size) -> logits (batch,
    num_classes). ``attention_weights`` lists each layer's (batch, heads, 1 + P, 1 + P); index 0
    is the class token.
    """

    def __init__(self, *, image_size: int = 28, patch_size: int = 7, in_channels: int = 1, num_hiddens: int = 64,
                 num_heads: int = 4, ffn_num_hiddens: int = 128, num_layers: int = 2, num_classes: int = 10,
                 dropout: float = 0.0):
        super().__init__()
        self.patch_embedding = PatchEmbedding(image_size=image_size, patch_size=patch_size, in_channels=in_channels,
                                              num_hiddens=num_hiddens)
        seq_len = self.patch_embedding.num_patches + 1
        self.cls_token = nn.Parameter(torch.zeros(1, 1, num_hiddens))
        self.pos_embedding = nn.Parameter(0.02 * torch.randn(1, seq_len, num_hiddens))
        self.dropout = nn.Dropout(dropout_rate("dropout", dropout))
        self.blocks = nn.ModuleList(
            TransformerEncoderBlock(num_hiddens=num_hiddens, num_heads=num_heads, ffn_num_hiddens=ffn_num_hiddens,
                                    dropout=dropout, bias=True) for _ in range(positive_int("num_layers", num_layers)))
        self.head = nn.Sequential(nn.LayerNorm(num_hiddens), nn.Linear(num_hiddens, positive_int("num_classes",
                                                                                                 num_classes)))

    @property
    def attention_weights(self) -> list:
        return [blk.attention_weights for blk in self.blocks]

    def forward(self, X):
        X = self.patch_embedding(X)                                          # (b, P, d)
        X = torch.cat([self.cls_token.expand(X.shape[0], -1, -1), X], dim=1)  # (b, 1 + P, d)
        X = self.dropout(X + self.pos_embedding)
        for blk in self.blocks:
            X = blk(X)
        return self.head(X[:, 0])
