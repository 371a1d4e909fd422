"""Bayes' rule in code: discrete updates, the Beta–binomial coin, Gaussian beliefs, naive Bayes.

=========================  =================================================================
``bayes_update``           prior over states × likelihood of one observation → posterior
``beta_posterior``         Beta(a, b) prior + (heads, tosses) → Beta(a + heads, b + tails)
``gaussian_posterior``     Gaussian prior × Gaussian measurements → Gaussian posterior
``GaussianNaiveBayes``     continuous features, one Gaussian per class and feature
``MultinomialNaiveBayes``  count features (bags of words), Laplace/Lidstone smoothing
=========================  =================================================================

The naive Bayes classifiers follow scikit-learn's ``GaussianNB`` and ``MultinomialNB`` formulas,
so their predictions and log-probabilities agree with it; inputs may be NumPy arrays, lists or
(CPU or GPU) torch tensors, and outputs are NumPy arrays.
"""
from __future__ import annotations


import numpy as np

from ._checks import (distribution, finite_float, fitted, float_array, matrix_width, non_negative_array,
                      non_negative_float, non_negative_int, positive_float, vector)

__all__ = ["GaussianNaiveBayes", "MultinomialNaiveBayes", "bayes_update", "beta_posterior", "gaussian_posterior"]


def bayes_update(prior, likelihood) -> np.ndarray:
    """Posterior over states after one observation: ``prior * likelihood / evidence``.

    Args:
        prior: ``p(s)``, shape ``(k,)``, non-negative and summing to one.
        likelihood: ``p(o | s)`` of the observed ``o`` for each state, shape ``(k,)``, in [0, 1].

    Returns:
        ``p(s | o)``, shape ``(k,)``.

    Raises:
        ValueError: shapes differ, ``prior`` is not a distribution, a likelihood is outside
            [0, 1], or the evidence ``sum(prior * likelihood)`` is zero.
    """
    prior = distribution("prior", prior)
    likelihood = float_array("likelihood", likelihood, 1)
    if likelihood.shape != prior.shape:
        raise ValueError(f"likelihood must have one entry per state {prior.shape}, got {likelihood.shape}")
    if (likelihood < 0).any() or (likelihood > 1).any():
        raise ValueError(f"likelihood values must be probabilities in [0, 1], got range "
                         f"[{likelihood.min():.4g}, {likelihood.max():.4g}]")
    joint = prior * likelihood
    evidence = joint.sum()  # p(o) = sum_s p(o | s) p(s)
    if evidence <= 0:
        raise ValueError("the evidence p(o) is zero: every state with prior mass gives the observation "
                         "likelihood 0")
    return joint / evidence


def beta_posterior(alpha, beta, heads, tosses) -> tuple[float, float]:
    """Conjugate update of a coin's bias: ``Beta(alpha, beta)`` prior, ``heads`` of ``tosses``.

    Returns:
        ``(alpha + heads, beta + tosses - heads)``, the parameters of the Beta posterior.

    Raises:
        TypeError: a parameter is not a number, or a count is not an integer.
        ValueError: ``alpha`` or ``beta`` <= 0, a negative count, or ``heads > tosses``.
    """
    alpha, beta = positive_float("alpha", alpha), positive_float("beta", beta)
    heads, tosses = non_negative_int("heads", heads), non_negative_int("tosses", tosses)
    if heads > tosses:
        raise ValueError(f"heads must be <= tosses, got heads={heads} > tosses={tosses}")
    return alpha + int(heads), beta + int(tosses) - int(heads)


def gaussian_posterior(prior_mean, prior_var, observations, noise_var) -> tuple[float, float]:
    """Belief about a quantity ``mu ~ N(prior_mean, prior_var)`` after ``x_i ~ N(mu, noise_var)``.

    Precisions (1 / variance) add, and the posterior mean is the precision-weighted average of
    the prior mean and the data.

    Args:
        prior_mean: a finite number.
        prior_var: a finite number > 0.
        observations: shape ``(n,)``, at least one finite measurement.
        noise_var: a finite number > 0.

    Returns:
        ``(posterior_mean, posterior_var)``.

    Raises:
        TypeError: an argument is not a number (or array of numbers).
        ValueError: a variance <= 0, a number not finite, or empty / non-1-D observations.
    """
    prior_var, noise_var = positive_float("prior_var", prior_var), positive_float("noise_var", noise_var)
    prior_mean = finite_float("prior_mean", prior_mean)
    x = float_array("observations", observations, 1)
    precision = 1.0 / prior_var + len(x) / noise_var
    mean = (prior_mean / prior_var + x.sum() / noise_var) / precision
    return float(mean), float(1.0 / precision)


class _NaiveBayes:
    """Shared by both classifiers: ``p(y | x) ∝ p(y) prod_j p(x_j | y)``, computed in logs."""

    def __init__(self, *, priors=None):
        self.priors = None if priors is None else distribution("priors", priors)

    def _fit_classes(self, X, y):
        X = float_array("X", X, 2)
        y = vector("y", y, len(X))
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        k = len(self.classes_)
        self.class_count_ = np.bincount(y_idx, minlength=k).astype(np.float64)
        if self.priors is None:
            self.class_log_prior_ = np.log(self.class_count_ / self.class_count_.sum())
        else:
            with np.errstate(divide="ignore"):
                self.class_log_prior_ = np.log(distribution("priors", self.priors, size=k))
        return X, y_idx

    def _fitted_rows(self, X) -> np.ndarray:
        fitted(self, "classes_")
        return matrix_width("X", float_array("X", X, 2), self.n_features_in_)

    def predict_joint_log_proba(self, X) -> np.ndarray:
        """``log p(y) + log p(x | y)`` for each row and class, shape ``(n, k)``."""
        return self._joint_log_likelihood(self._fitted_rows(X))

    def predict_log_proba(self, X) -> np.ndarray:
        """``log p(y | x)``, shape ``(n, k)``: the joint minus the log evidence (log-sum-exp)."""
        jll = self.predict_joint_log_proba(X)
        top = jll.max(axis=1, keepdims=True)  # subtract the max so exp() cannot overflow
        log_evidence = top + np.log(np.exp(jll - top).sum(axis=1, keepdims=True))
        return jll - log_evidence

    def predict_proba(self, X) -> np.ndarray:
        """``p(y | x)``, shape ``(n, k)``; each row sums to one."""
        return np.exp(self.predict_log_proba(X))

    def predict(self, X) -> np.ndarray:
        """The class with the largest posterior, shape ``(n,)``, in the labels given to ``fit``."""
        jll = self.predict_joint_log_proba(X)
        return self.classes_[np.argmax(jll, axis=1)]

    def score(self, X, y) -> float:
        """Accuracy on ``(X, y)``; ``y`` has shape ``(n,)``."""
        pred = self.predict(X)
        y = np.asarray(y.detach().cpu().numpy() if hasattr(y, "detach") else y)
        if y.shape != pred.shape:
            raise ValueError(f"y must have shape {pred.shape}, one label per row of X, got {y.shape}")
        return float(np.mean(pred == y))


class GaussianNaiveBayes(_NaiveBayes):
    """Naive Bayes with ``p(x_j | y = c) = N(theta_cj, var_cj)``.

    Args:
        var_smoothing: adds ``var_smoothing * max_j var(X[:, j])`` to every variance, so a
            feature that is constant within a class does not give a zero variance.
        priors: class probabilities ``(k,)``; ``None`` uses the class frequencies.

    ``fit(X, y)``: ``X`` float ``(n, d)``, ``y`` labels ``(n,)``. After fitting, ``theta_`` and
    ``var_`` have shape ``(k, d)``.

    Raises:
        ValueError / TypeError: bad shapes, empty or non-finite inputs, ``var_smoothing`` < 0,
            ``priors`` not a distribution over the classes.
    """

    def __init__(self, *, var_smoothing: float = 1e-9, priors=None):
        super().__init__(priors=priors)
        self.var_smoothing = non_negative_float("var_smoothing", var_smoothing)

    def fit(self, X, y) -> "GaussianNaiveBayes":
        X, y_idx = self._fit_classes(X, y)
        self.n_features_in_ = X.shape[1]
        eps = self.var_smoothing * X.var(axis=0).max()
        self.theta_ = np.stack([X[y_idx == c].mean(axis=0) for c in range(len(self.classes_))])
        self.var_ = np.stack([X[y_idx == c].var(axis=0) for c in range(len(self.classes_))]) + eps
        if (self.var_ <= 0).any():
            raise ValueError("a class has zero variance in some feature; use var_smoothing > 0")
        return self

    def _joint_log_likelihood(self, X) -> np.ndarray:
        # (n, 1, d) against (k, d): sum over features of log N(x_j; theta_cj, var_cj)
        diff2 = (X[:, None, :] - self.theta_) ** 2 / self.var_
        log_norm = -0.5 * np.log(2 * np.pi * self.var_).sum(axis=1)          # (k,)
        return self.class_log_prior_ + log_norm - 0.5 * diff2.sum(axis=2)     # (n, k)


class MultinomialNaiveBayes(_NaiveBayes):
    """Naive Bayes for counts: ``log p(x | y = c) = sum_j x_j log p_cj`` (+ a constant).

    ``p_cj = (N_cj + alpha) / (N_c + alpha * d)``, where ``N_cj`` is how often feature ``j``
    (e.g. a word) occurs in class ``c``: ``alpha = 1`` is Laplace smoothing.

    Args:
        alpha: smoothing pseudo-count, > 0 (a Dirichlet prior on each class's word frequencies).
        priors: class probabilities ``(k,)``; ``None`` uses the class frequencies.

    ``fit(X, y)``: ``X`` non-negative counts ``(n, d)``, ``y`` labels ``(n,)``. After fitting,
    ``feature_log_prob_`` has shape ``(k, d)``.

    Raises:
        ValueError / TypeError: negative counts, ``alpha`` <= 0, bad shapes, empty inputs,
            ``priors`` not a distribution over the classes.
    """

    def __init__(self, *, alpha: float = 1.0, priors=None):
        super().__init__(priors=priors)
        self.alpha = positive_float("alpha", alpha)

    def fit(self, X, y) -> "MultinomialNaiveBayes":
        X, y_idx = self._fit_classes(X, y)
        X = non_negative_array("X", X)
        self.n_features_in_ = X.shape[1]
        onehot = np.eye(len(self.classes_))[y_idx]                     # (n, k)
        self.feature_count_ = onehot.T @ X                             # (k, d): N_cj
        smoothed = self.feature_count_ + self.alpha
        self.feature_log_prob_ = np.log(smoothed) - np.log(smoothed.sum(axis=1, keepdims=True))
        return self

    def _joint_log_likelihood(self, X) -> np.ndarray:
        return non_negative_array("X", X) @ self.feature_log_prob_.T + self.class_log_prior_
