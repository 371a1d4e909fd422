"""Test functions for optimisers and a helper that records an optimiser's path.

The functions take two coordinates (floats or tensors of any matching shape), so the same
function serves autograd (a point) and contour plots (a grid).
"""
from __future__ import annotations

from typing import Callable

import torch



from . import _checks
from ._checks import callable_, finite_float, numbers_seq, positive_int

__all__ = ["ill_conditioned", "rosenbrock", "trace_path"]


def ill_conditioned(x1, x2):
    """``0.1 x1² + 2 x2²``: a valley 20 times steeper across than along; minimum at (0, 0).

    Raises:
        TypeError: ``x1`` or ``x2`` is not a number, tensor or array.
    """
    _checks.coordinate("x1", x1), _checks.coordinate("x2", x2)
    return 0.1 * x1**2 + 2 * x2**2


def rosenbrock(x1, x2, a: float = 1.0, b: float = 100.0):
    """``(a - x1)² + b (x2 - x1²)²``: a curved, flat-bottomed valley; minimum at (a, a²).

    Raises:
        TypeError, ValueError: ``x1`` or ``x2`` is not a number, tensor or array, or ``a``/``b``
            is not a finite number.
    """
    _checks.coordinate("x1", x1), _checks.coordinate("x2", x2)
    finite_float("a", a), finite_float("b", b)
    return (a - x1) ** 2 + b * (x2 - x1**2) ** 2


def trace_path(f: Callable, x0, make_optimizer: Callable, *, num_steps: int) -> torch.Tensor:
    """Run an optimiser on ``f(x1, x2)`` from ``x0`` and return every point visited.

    Args:
        f: the objective, taking two scalar tensors.
        x0: start point, two numbers.
        make_optimizer: ``params -> optimizer``, e.g. ``lambda p: torch.optim.Adam(p, lr=0.1)``.
        num_steps: optimiser steps.

    Returns:
        A float tensor of shape ``(num_steps + 1, 2)``, starting with ``x0``.

    Raises:
        TypeError, ValueError: ``f`` or ``make_optimizer`` is not callable, ``x0`` is not two
            finite numbers, or ``num_steps`` is not a positive int.
    """
    callable_("f", f)
    callable_("make_optimizer", make_optimizer)
    num_steps = positive_int("num_steps", num_steps)
    x = torch.tensor(numbers_seq("x0", x0, length=2), dtype=torch.float64, requires_grad=True)
    opt = make_optimizer([x])
    path = [x.detach().clone()]
    for _ in range(num_steps):
        opt.zero_grad()
        f(x[0], x[1]).backward()
        opt.step()
        path.append(x.detach().clone())
    return torch.stack(path)
