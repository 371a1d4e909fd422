"""Pick the compute device once: CUDA, then Apple's MPS, then the CPU.

Models never choose a device; they follow their inputs. The trainer moves the model and each
batch to the device this module picks. Set ``D2LITE_DEVICE`` (``cpu``, ``cuda``, ``cuda:1``,
``mps``) to override the choice, e.g. to force the CPU on a machine with a GPU.
"""
from __future__ import annotations

import os

import torch

from ._checks import device as check_device

__all__ = ["get_device", "to_device"]

ENV_VAR = "D2LITE_DEVICE"
_KINDS = ("cpu", "cuda", "mps")


def _available(kind: str) -> bool:
    if kind == "cpu":
        return True
    if kind == "cuda":
        return torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def get_device(name: str | None = None) -> torch.device:
    """Return the device to compute on.

    Args:
        name: ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"mps"``; ``None`` reads ``$D2LITE_DEVICE``
            and, if that is unset too, takes the best available (CUDA → MPS → CPU).

    Raises:
        ValueError: the name is not a device kind, or that kind is not available here.
    """
    if name is None:
        name = os.environ.get(ENV_VAR, "").strip() or None
    if name is None:
        for kind in ("cuda", "mps"):
            if _available(kind):
                return torch.device(kind)
        return torch.device("cpu")
    if not isinstance(name, str):
        raise TypeError(f"name (the device) must be a str such as 'cpu' or 'cuda', got {type(name).__name__}")
    kind = name.split(":")[0].lower()
    if kind not in _KINDS:
        raise ValueError(f"name (the device) must be one of {_KINDS} (optionally 'cuda:N'), got {name!r}")
    if not _available(kind):
        raise ValueError(f"name: device {name!r} was asked for (argument or ${ENV_VAR}) but is not available here")
    return torch.device(name.lower())


def to_device(batch, device: torch.device):
    """Move a tensor, or a (possibly nested) tuple/list/dict of tensors, to ``device``.

    Other objects in ``batch`` are returned as they are.

    Raises:
        TypeError, ValueError: ``device`` is not a ``torch.device`` or a device name.
    """
    return _to_device(batch, check_device("device", device))


def _to_device(batch, device: torch.device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, (list, tuple)):
        return type(batch)(_to_device(b, device) for b in batch)
    if isinstance(batch, dict):
        return {k: _to_device(v, device) for k, v in batch.items()}
    return batch
