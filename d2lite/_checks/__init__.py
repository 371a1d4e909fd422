"""Boundary checks shared by the public functions: say what was expected and what came.

Every public function and constructor of d2lite validates its arguments with these helpers, so
that bad input raises a ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind, wrong
value or shape) whose message names the argument, what was expected and what was given.

Checks on tensors come in two strengths. :func:`tensor` looks only at the type, the number of
axes, the dtype and the shape: it never reads a value, so it is cheap enough for every
``forward`` pass and never forces a GPU sync. Value checks (finite, in range, non-negative) read
the data and belong at the data boundaries (data builders, loaders, non-hot public functions).
"""
from .arrays import *  # noqa: F401,F403
from .domain import *  # noqa: F401,F403
from .scalars import *  # noqa: F401,F403
from .scalars import _integral, _real  # noqa: F401
