"""Hidden Markov models with discrete (categorical) emissions, in NumPy.

Shapes: ``N`` hidden states, ``M`` symbols, a sequence of ``T`` observations ``x`` (ints in
``0 … M-1``). The model is three probability tables:

=================  ===========  ===================================================
``startprob``      (N,)         ``P(z_1 = i)``
``transmat``       (N, N)       ``P(z_{t+1} = j | z_t = i)``, each row sums to one
``emissionprob``   (N, M)       ``P(x_t = k | z_t = i)``, each row sums to one
=================  ===========  ===================================================

The forward and backward passes rescale at every step (so a sequence of 10,000 steps does not
underflow) and report logarithms. ``fit`` runs Baum–Welch on one sequence.

>>> hmm = dishonest_casino()
>>> z, x = hmm.sample(300, seed=0)
>>> hmm.log_likelihood(x), hmm.viterbi(x)[0][:10], hmm.posteriors(x).shape   # (300, 2)
"""
from __future__ import annotations


import numpy as np

from ._checks import non_negative_float, numeric_array, probability, positive_int, seed as check_seed, stochastic

__all__ = ["CategoricalHMM", "dishonest_casino", "random_hmm"]

_ATOL = 1e-6  # how far from one a row of probabilities may sum


class CategoricalHMM:
    """An HMM whose hidden states emit symbols ``0 … M-1``.

    Args:
        startprob: (N,) initial state distribution.
        transmat: (N, N) transition matrix, rows sum to one.
        emissionprob: (N, M) emission matrix, rows sum to one.

    Raises:
        TypeError: a table is not numeric.
        ValueError: a table has the wrong shape, a negative or non-finite entry, or a row that
            does not sum to one; the shapes of the three tables disagree.

    Every method that takes observations ``x`` validates them with :meth:`check_sequence`, and
    raises ``ValueError`` if ``x`` has probability zero under the model.
    """

    def __init__(self, *, startprob, transmat, emissionprob):
        start, emit = numeric_array("startprob", startprob), numeric_array("emissionprob", emissionprob)
        if start.ndim != 1 or start.size == 0:
            raise ValueError(f"startprob must have shape (N,) with N >= 1, got {start.shape}")
        n = start.size
        if emit.ndim != 2 or emit.shape[0] != n or emit.shape[1] == 0:
            raise ValueError(f"emissionprob must have shape (N={n}, M) with M >= 1, got {emit.shape}")
        self.startprob = stochastic("startprob", start, (n,), _ATOL)
        self.transmat = stochastic("transmat", transmat, (n, n), _ATOL)
        self.emissionprob = stochastic("emissionprob", emit, emit.shape, _ATOL)

    @property
    def num_states(self) -> int:
        return self.startprob.shape[0]

    @property
    def num_symbols(self) -> int:
        return self.emissionprob.shape[1]

    def __repr__(self):
        return f"CategoricalHMM(num_states={self.num_states}, num_symbols={self.num_symbols})"

    def check_sequence(self, x) -> np.ndarray:
        """``x`` as a 1-D int array of symbols in ``0 … M-1``.

        Raises:
            TypeError: ``x`` does not hold integers.
            ValueError: ``x`` is not 1-D, is empty, or holds a symbol outside ``0 … M-1``.
        """
        try:
            a = np.asarray(x)
        except ValueError:
            raise ValueError("x (the observations) must be a 1-D sequence of shape (T,), got ragged nesting") from None
        if a.size == 0:
            raise ValueError("x (the observations) must hold at least one symbol, got an empty sequence")
        if a.dtype == bool or not np.issubdtype(a.dtype, np.integer):
            raise TypeError(f"x (the observations) must be integers 0..{self.num_symbols - 1}, got dtype {a.dtype}")
        if a.ndim != 1:
            raise ValueError(f"x (the observations) must be a 1-D sequence of shape (T,), got shape {a.shape}")
        bad = (a < 0) | (a >= self.num_symbols)
        if bad.any():
            raise ValueError(f"x (the observations) must be symbols 0..{self.num_symbols - 1}, "
                             f"got {a[bad][0]} at position {int(np.argmax(bad))}")
        return a.astype(np.int64)

    def sample(self, seq_len: int, *, seed=None) -> tuple[np.ndarray, np.ndarray]:
        """Run the chain for ``seq_len`` steps; returns hidden states ``z`` (T,) and symbols ``x`` (T,).

        ``seed`` (an int in [0, 2**32) or None) goes to ``np.random.default_rng``.

        Raises:
            TypeError, ValueError: ``seq_len`` is not a positive int or ``seed`` not a seed.
        """
        seq_len = positive_int("seq_len", seq_len)
        if seed is not None:
            check_seed("seed", seed)
        rng = np.random.default_rng(seed)
        u_state, u_symbol = rng.random(seq_len), rng.random(seq_len)
        cum_a, cum_b = np.cumsum(self.transmat, axis=1), np.cumsum(self.emissionprob, axis=1)
        z = np.empty(seq_len, dtype=np.int64)
        z[0] = min(np.searchsorted(np.cumsum(self.startprob), u_state[0], side="right"), self.num_states - 1)
        for t in range(1, seq_len):  # inverse-CDF draw from row z[t-1]
            z[t] = min(np.searchsorted(cum_a[z[t - 1]], u_state[t], side="right"), self.num_states - 1)
        x = (u_symbol[:, None] >= cum_b[z]).sum(axis=1)  # inverse CDF for all emissions at once
        return z, np.minimum(x, self.num_symbols - 1)

    def _step_matrices(self, x: np.ndarray) -> np.ndarray:
        """(T-1, N, N): entry [t, i, j] = P(z_{t+1} = j | z_t = i) * P(x_{t+1} | z_{t+1} = j)."""
        return self.transmat[None] * self.emissionprob[:, x[1:]].T[:, None, :]

    def _scaled_forward(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Normalised alphas (T, N), each row summing to one, and log scales (T,).

        The scale c_t = P(x_t | x_1..x_{t-1}), so the log-likelihood is the sum of the log scales.
        """
        first = self.startprob * self.emissionprob[:, x[0]]
        alpha, log_norm = _scan(first, self._step_matrices(x))  # log_norm: log P(x_1..x_t)
        return alpha, np.diff(log_norm, prepend=0.0)

    def _scaled_backward(self, x: np.ndarray, log_c: np.ndarray) -> np.ndarray:
        """Betas (T, N) divided by P(x_{t+1}..x_T | x_1..x_t), so alpha * beta is the posterior."""
        m = self._step_matrices(x)
        beta, log_norm = _scan(np.ones(self.num_states), m.transpose(0, 2, 1)[::-1])  # right to left
        later = np.concatenate([np.cumsum(log_c[::-1])[::-1][1:], [0.0]])  # sum_{s>t} log c_s
        return beta[::-1] * np.exp(log_norm[::-1] - later)[:, None]

    def forward(self, x) -> np.ndarray:
        """Log forward variables ``log P(x_1..x_t, z_t = i)``, shape (T, N)."""
        alpha, log_c = self._scaled_forward(self.check_sequence(x))
        with np.errstate(divide="ignore"):
            return np.log(alpha) + np.cumsum(log_c)[:, None]

    def backward(self, x) -> np.ndarray:
        """Log backward variables ``log P(x_{t+1}..x_T | z_t = i)``, shape (T, N)."""
        x = self.check_sequence(x)
        _, log_c = self._scaled_forward(x)
        beta = self._scaled_backward(x, log_c)
        later = np.concatenate([np.cumsum(log_c[::-1])[::-1][1:], [0.0]])  # sum_{s>t} log c_s
        with np.errstate(divide="ignore"):
            return np.log(beta) + later[:, None]

    def log_likelihood(self, x) -> float:
        """``log P(x_1..x_T)`` by the scaled forward pass (a float)."""
        _, log_c = self._scaled_forward(self.check_sequence(x))
        return float(log_c.sum())

    def posteriors(self, x) -> np.ndarray:
        """``P(z_t = i | x_1..x_T)`` by forward–backward, shape (T, N); rows sum to one."""
        x = self.check_sequence(x)
        alpha, log_c = self._scaled_forward(x)
        gamma = alpha * self._scaled_backward(x, log_c)
        return gamma / gamma.sum(axis=1, keepdims=True)

    def viterbi(self, x) -> tuple[np.ndarray, float]:
        """The most probable state path (T,) and its log probability ``log P(x, z)``."""
        x = self.check_sequence(x)
        with np.errstate(divide="ignore"):
            log_a, log_b = np.log(self.transmat), np.log(self.emissionprob[:, x].T)  # (N,N), (T,N)
            delta = np.log(self.startprob) + log_b[0]
        back = np.zeros((len(x), self.num_states), dtype=np.int64)
        for t in range(1, len(x)):
            scores = delta[:, None] + log_a  # (N, N): best path into i, then i -> j
            back[t] = scores.argmax(axis=0)
            delta = scores.max(axis=0) + log_b[t]
        path = np.empty(len(x), dtype=np.int64)
        path[-1] = delta.argmax()
        for t in range(len(x) - 1, 0, -1):
            path[t - 1] = back[t, path[t]]
        return path, float(delta.max())

    def fit(self, x, *, n_iter: int = 100, tol: float = 1e-6) -> list[float]:
        """Baum–Welch: re-estimate all three tables from ``x`` in place.

        Stops after ``n_iter`` iterations or when the log-likelihood rises by less than ``tol``.
        Returns the log-likelihood before each update (EM never lets it fall).

        Raises:
            TypeError, ValueError: invalid ``x`` (see :meth:`check_sequence`), ``n_iter``, ``tol``.
        """
        x = self.check_sequence(x)
        n_iter = positive_int("n_iter", n_iter)
        non_negative_float("tol", tol)
        history = []
        for _ in range(n_iter):
            alpha, log_c = self._scaled_forward(x)
            beta = self._scaled_backward(x, log_c)
            history.append(float(log_c.sum()))
            gamma = alpha * beta  # (T, N) posteriors
            gamma /= gamma.sum(axis=1, keepdims=True)
            # expected transition counts: sum_t alpha_t(i) A_ij b_j(x_{t+1}) beta_{t+1}(j) / c_{t+1}
            emit_next = self.emissionprob[:, x[1:]].T * beta[1:] / np.exp(log_c[1:, None])  # (T-1, N)
            xi = self.transmat * (alpha[:-1].T @ emit_next)  # (N, N)
            self.startprob = gamma[0]
            if len(x) > 1:
                self.transmat = _normalise_rows(xi, self.transmat)
            counts = np.stack([np.bincount(x, weights=g, minlength=self.num_symbols) for g in gamma.T])
            self.emissionprob = _normalise_rows(counts, self.emissionprob)  # (N, M) expected counts
            if len(history) > 1 and history[-1] - history[-2] < tol:
                break
        return history


def _scan(first: np.ndarray, mats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectors v_0 = first, v_t = v_{t-1} @ mats[t-1], returned normalised (T, N) with log norms (T,).

    A plain loop costs T small NumPy calls. Here the T-1 matrices are cut into blocks of about
    sqrt(T); running products inside every block are formed for all blocks at once, then one pass
    over the blocks carries the vector, so only about 2 sqrt(T) Python steps remain. Every
    product is renormalised, so nothing underflows however long the sequence.
    """
    n = len(first)
    total = first.sum()
    if total <= 0:
        raise ValueError("the observations have probability 0 under this model (step 0)")
    v, log_norm = np.empty((len(mats) + 1, n)), np.empty(len(mats) + 1)
    v[0], log_norm[0] = first / total, np.log(total)
    if len(mats) == 0:
        return v, log_norm
    k = int(np.ceil(np.sqrt(len(mats))))
    n_blocks = -(-len(mats) // k)
    padded = np.broadcast_to(np.eye(n), (n_blocks * k, n, n)).copy()
    padded[:len(mats)] = mats
    blocks = padded.reshape(n_blocks, k, n, n)
    prods, logs = np.empty_like(blocks), np.zeros((n_blocks, k))
    acc, acc_log = np.broadcast_to(np.eye(n), (n_blocks, n, n)), np.zeros(n_blocks)
    for j in range(k):  # running product inside each block, all blocks at once
        acc = acc @ blocks[:, j]
        s = acc.sum(axis=(1, 2))
        s = np.where(s > 0, s, 1.0)  # an all-zero product stays zero and is caught below
        acc = acc / s[:, None, None]
        acc_log = acc_log + np.log(s)
        prods[:, j], logs[:, j] = acc, acc_log
    for b in range(n_blocks):  # carry the vector across blocks
        lo, hi = 1 + b * k, min(1 + (b + 1) * k, len(v))
        rows = v[lo - 1] @ prods[b, :hi - lo]  # (hi-lo, N)
        u = rows.sum(axis=1)
        if np.any(u <= 0):
            raise ValueError(f"the observations have probability 0 under this model "
                             f"(step {lo + int(np.argmax(u <= 0))})")
        v[lo:hi] = rows / u[:, None]
        log_norm[lo:hi] = log_norm[lo - 1] + np.log(u) + logs[b, :hi - lo]
    return v, log_norm


def _normalise_rows(counts: np.ndarray, old: np.ndarray) -> np.ndarray:
    """Rows of expected counts as distributions; a state never visited keeps its old row."""
    totals = counts.sum(axis=1, keepdims=True)
    return np.where(totals > 0, counts / np.where(totals > 0, totals, 1.0), old)


def dishonest_casino(*, p_switch_to_loaded: float = 0.05, p_switch_to_fair: float = 0.1,
                     p_six: float = 0.5) -> CategoricalHMM:
    """The casino that swaps a fair die (state 0) for a loaded one (state 1) now and then.

    Symbols 0..5 stand for faces 1..6; the loaded die shows a six with probability ``p_six``.
    """
    for name, p in (("p_switch_to_loaded", p_switch_to_loaded), ("p_switch_to_fair", p_switch_to_fair),
                    ("p_six", p_six)):
        probability(name, p)
    loaded = [(1 - p_six) / 5] * 5 + [p_six]
    return CategoricalHMM(startprob=[0.5, 0.5],
                          transmat=[[1 - p_switch_to_loaded, p_switch_to_loaded],
                                    [p_switch_to_fair, 1 - p_switch_to_fair]],
                          emissionprob=[[1 / 6] * 6, loaded])


def random_hmm(num_states: int, num_symbols: int, *, seed=None) -> CategoricalHMM:
    """A model with tables drawn from a flat Dirichlet: a starting point for Baum–Welch."""
    n, m = positive_int("num_states", num_states), positive_int("num_symbols", num_symbols)
    rng = np.random.default_rng(None if seed is None else check_seed("seed", seed))
    return CategoricalHMM(startprob=rng.dirichlet(np.ones(n)), transmat=rng.dirichlet(np.ones(n), size=n),
                          emissionprob=rng.dirichlet(np.ones(m), size=n))
