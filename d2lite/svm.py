"""Support vector machines from scratch: kernels, the hinge loss, a primal solver and SMO.

Everything here is NumPy in float64: SMO updates two numbers at a time, which a GPU cannot
speed up. Inputs may be NumPy arrays, lists or torch tensors (on any device); outputs are
NumPy arrays. Labels may be any two values; internally the first of the two sorted classes is
``-1`` and the second ``+1`` (as in scikit-learn), so ``decision_function > 0`` means
``classes_[1]``.

>>> svm = KernelSVM(kernel="rbf", C=1.0, gamma=2.0).fit(X, y)
>>> svm.predict(X_test), svm.support_       # labels (m,), indices of support vectors
"""
from __future__ import annotations


import numpy as np

from . import _checks
from ._checks import finite_float, float_array, one_of, positive_float, positive_int
from ._checks import vector

__all__ = ["KernelSVM", "LinearSVM", "hinge_loss", "linear_kernel", "polynomial_kernel", "rbf_kernel"]

KERNELS = ("linear", "poly", "rbf")


# --- kernels: (n, d), (m, d) -> Gram matrix (n, m) -----------------------------------------
def linear_kernel(X, Z=None) -> np.ndarray:
    """``K[i, j] = x_i · z_j``. Shapes: X (n, d), Z (m, d) (default X) -> (n, m)."""
    X, Z = _checks.paired_matrices(X, Z)
    return X @ Z.T


def polynomial_kernel(X, Z=None, *, degree: int = 3, gamma: float = 1.0, coef0: float = 1.0) -> np.ndarray:
    """``K[i, j] = (gamma x_i · z_j + coef0) ** degree``; shapes as :func:`linear_kernel`.

    Raises:
        TypeError/ValueError: ``degree`` is not a positive int or ``gamma`` is not > 0.
    """
    X, Z = _checks.paired_matrices(X, Z)
    degree, gamma = positive_int("degree", degree), positive_float("gamma", gamma)
    return (gamma * (X @ Z.T) + finite_float("coef0", coef0)) ** degree


def rbf_kernel(X, Z=None, *, gamma: float = 1.0) -> np.ndarray:
    """``K[i, j] = exp(-gamma ||x_i - z_j||^2)``; shapes as :func:`linear_kernel`.

    Raises:
        TypeError/ValueError: ``gamma`` is not a number > 0.
    """
    X, Z = _checks.paired_matrices(X, Z)
    gamma = positive_float("gamma", gamma)
    sq = (X**2).sum(1)[:, None] + (Z**2).sum(1)[None, :] - 2 * X @ Z.T
    return np.exp(-gamma * np.maximum(sq, 0.0))  # clip tiny negatives from round-off


# --- the hinge loss -------------------------------------------------------------------------
def hinge_loss(scores, y) -> float:
    """Mean hinge loss ``mean(max(0, 1 - y * scores))``.

    Args:
        scores: decision values ``f(x)``, shape (n,).
        y: labels in {-1, +1}, shape (n,).

    Raises:
        ValueError: shapes differ, inputs are empty, or ``y`` holds values other than -1 and +1.
    """
    scores = float_array("scores", scores, 1, what=" (n,)")
    y = vector("y", y, len(scores)).astype(np.float64)
    if not np.isin(y, (-1.0, 1.0)).all():
        raise ValueError(f"y must hold only -1 and +1 for the hinge loss, got values {np.unique(y)[:5].tolist()}")
    return float(np.maximum(0.0, 1.0 - y * scores).mean())


# --- the primal: subgradient descent on 1/2 ||w||^2 + C sum hinge --------------------------
class LinearSVM:
    """Soft-margin linear SVM trained on the primal by full-batch subgradient descent.

    Minimises ``J(w, b) = 1/2 ||w||^2 + C * sum_i max(0, 1 - y_i (w · x_i + b))`` with step
    ``lr / sqrt(t)`` on ``J / (C n)``, and keeps the iterate with the lowest ``J`` (a subgradient
    step need not go downhill).

    Args:
        C: weight of the hinge term (large C: nearly a hard margin), > 0.
        lr: base step size, > 0.
        num_steps: number of full-batch steps.

    Attributes after ``fit``: ``coef_`` (d,), ``intercept_`` (float), ``objective_`` (list of J).
    """

    def __init__(self, *, C: float = 1.0, lr: float = 1.0, num_steps: int = 2000):
        self.C, self.lr = positive_float("C", C), positive_float("lr", lr)
        self.num_steps = positive_int("num_steps", num_steps)

    def objective(self, w, b, X, y_pm) -> float:
        """``J(w, b)`` for weights w (d,), bias b, X (n, d) and labels y_pm (n,) in {-1, +1}."""
        return float(0.5 * w @ w + self.C * np.maximum(0.0, 1 - y_pm * (X @ w + b)).sum())

    def fit(self, X, y) -> "LinearSVM":
        """Fit on X (n, d) and two-class labels y (n,).

        Raises:
            TypeError, ValueError: ``X`` is not a finite (n, d) array or ``y`` not two classes (n,).
        """
        X = float_array("X", X, 2, what=" of shape (n, d)")
        y_pm, self.classes_ = _checks.two_class_labels(y, len(X))
        n, d = X.shape
        w, b = np.zeros(d), 0.0
        best = (np.inf, w, b)
        self.objective_ = []
        for t in range(1, self.num_steps + 1):
            active = y_pm * (X @ w + b) < 1           # points inside the margin or wrong: (n,)
            grad_w = w / (self.C * n) - (y_pm[active, None] * X[active]).sum(0) / n
            grad_b = -y_pm[active].sum() / n
            step = self.lr / np.sqrt(t)
            w, b = w - step * grad_w, b - step * grad_b
            J = self.objective(w, b, X, y_pm)
            self.objective_.append(J)
            if J < best[0]:
                best = (J, w.copy(), b)
        _, self.coef_, self.intercept_ = best
        return self

    def decision_function(self, X) -> np.ndarray:
        """Scores ``w · x + b``, shape (m,), for X (m, d)."""
        if not hasattr(self, "coef_"):
            raise RuntimeError("call fit(X, y) before decision_function")
        X = float_array("X", X, 2, what=" of shape (n, d)")
        if X.shape[1] != len(self.coef_):
            raise ValueError(f"X must have {len(self.coef_)} features, got {X.shape[1]}")
        return X @ self.coef_ + self.intercept_

    def predict(self, X) -> np.ndarray:
        """Labels from ``classes_``, shape (m,)."""
        return self.classes_[(self.decision_function(X) > 0).astype(int)]


# --- the dual: SMO with second-order working-set selection ---------------------------------
class KernelSVM:
    """Soft-margin kernel SVM: the dual QP solved by sequential minimal optimisation (SMO).

    Dual: minimise ``1/2 a^T Q a - sum(a)`` with ``Q_ij = y_i y_j K(x_i, x_j)``, subject to
    ``0 <= a_i <= C`` and ``sum_i a_i y_i = 0``. Each step picks the pair that most violates the
    KKT conditions (LIBSVM's second-order rule), solves for those two alphas in closed form and
    clips them to the box; it stops when the KKT gap falls below ``tol``.

    Args:
        kernel: ``"linear"``, ``"poly"`` or ``"rbf"``.
        C: box bound on each alpha, > 0.
        gamma, degree, coef0: kernel parameters (see :func:`rbf_kernel`, :func:`polynomial_kernel`).
        tol: KKT-gap tolerance (LIBSVM's default 1e-3).
        max_iter: cap on pair updates.

    Attributes after ``fit``: ``alpha_`` (n,), ``support_`` (indices with alpha > 0),
    ``support_vectors_`` (s, d), ``dual_coef_`` (s,) = alpha * y, ``intercept_``, ``classes_``,
    ``n_iter_``, ``gap_`` (KKT gap per iteration).

    Raises:
        ValueError/TypeError: an unknown kernel, or C/gamma/degree/tol out of range.
    """

    def __init__(self, *, kernel: str = "rbf", C: float = 1.0, gamma: float = 1.0, degree: int = 3,
                 coef0: float = 1.0, tol: float = 1e-3, max_iter: int = 100_000):
        self.kernel = one_of("kernel", kernel, KERNELS)
        self.C, self.gamma = positive_float("C", C), positive_float("gamma", gamma)
        self.tol = positive_float("tol", tol)
        self.degree, self.coef0 = positive_int("degree", degree), finite_float("coef0", coef0)
        self.max_iter = positive_int("max_iter", max_iter)

    def gram(self, X, Z=None) -> np.ndarray:
        """The kernel matrix between X (n, d) and Z (m, d) -> (n, m)."""
        if self.kernel == "linear":
            return linear_kernel(X, Z)
        if self.kernel == "poly":
            return polynomial_kernel(X, Z, degree=self.degree, gamma=self.gamma, coef0=self.coef0)
        return rbf_kernel(X, Z, gamma=self.gamma)

    def fit(self, X, y) -> "KernelSVM":
        """Fit on X (n, d) and two-class labels y (n,).

        Raises:
            TypeError, ValueError: ``X`` is not a finite (n, d) array or ``y`` not two classes (n,).
        """
        X = float_array("X", X, 2, what=" of shape (n, d)")
        y_pm, self.classes_ = _checks.two_class_labels(y, len(X))
        K, C = self.gram(X), self.C
        n = len(X)
        a, G = np.zeros(n), -np.ones(n)                 # alphas and gradient Q a - 1, both (n,)
        diag, pos, self.gap_ = np.diag(K), y_pm > 0, []
        for it in range(self.max_iter):
            up, low = self._up_low(a, pos)
            score = -y_pm * G
            s_up, s_low = np.where(up, score, -np.inf), np.where(low, score, np.inf)
            i = int(s_up.argmax())
            m_up = s_up[i]
            self.gap_.append(m_up - s_low.min())
            if self.gap_[-1] < self.tol:
                break
            b_ij = m_up - s_low                             # > 0 where t in low violates with i
            a_ij = np.maximum(diag[i] + diag - 2 * K[i], 1e-12)
            j = int(np.where(b_ij > 0, -b_ij**2 / a_ij, np.inf).argmin())  # second-order choice
            # move a_i by +y_i t and a_j by -y_j t: sum a y stays 0; clip t to the box
            lim_i = C - a[i] if pos[i] else a[i]
            lim_j = a[j] if pos[j] else C - a[j]
            t = min(b_ij[j] / a_ij[j], lim_i, lim_j)
            a[i] += y_pm[i] * t
            a[j] -= y_pm[j] * t
            for k, lim in ((i, lim_i), (j, lim_j)):       # snap to the bound it reached exactly
                if t == lim:
                    a[k] = 0.0 if a[k] < C / 2 else C
            G += y_pm * t * (K[:, i] - K[:, j])
        self.n_iter_ = it + 1
        score, free = -y_pm * G, (a > 0) & (a < C)
        up, low = self._up_low(a, pos)
        if free.any():  # a free SV sits on its margin: y f(x) = 1 gives b = -y G
            self.intercept_ = float(score[free].mean())
        else:  # any b between the two KKT bounds is optimal; take the middle
            self.intercept_ = float((score[up].max() + score[low].min()) / 2)
        self.alpha_ = a
        self.support_ = np.flatnonzero(a > 0)
        self.support_vectors_ = X[self.support_]
        self.dual_coef_ = a[self.support_] * y_pm[self.support_]
        return self

    def _up_low(self, a, pos):
        """Which alphas may grow along +y (``up``) and along -y (``low``) inside the box."""
        inside_hi, inside_lo = a < self.C, a > 0
        return np.where(pos, inside_hi, inside_lo), np.where(pos, inside_lo, inside_hi)

    def decision_function(self, X) -> np.ndarray:
        """Scores ``sum_s alpha_s y_s K(x_s, x) + b``, shape (m,), for X (m, d)."""
        if not hasattr(self, "alpha_"):
            raise RuntimeError("call fit(X, y) before decision_function")
        return self.gram(X, self.support_vectors_) @ self.dual_coef_ + self.intercept_

    def predict(self, X) -> np.ndarray:
        """Labels from ``classes_``, shape (m,)."""
        return self.classes_[(self.decision_function(X) > 0).astype(int)]
