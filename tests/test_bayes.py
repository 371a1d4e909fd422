"""d2lite.bayes: parity with closed forms and scikit-learn, and clear errors at the boundary."""
import numpy as np
import pytest
import torch
from sklearn.naive_bayes import GaussianNB, MultinomialNB

from d2lite.bayes import (GaussianNaiveBayes, MultinomialNaiveBayes, bayes_update, beta_posterior,
                          gaussian_posterior)


# --- discrete Bayes' rule ---------------------------------------------------------------------
def test_bayes_update_matches_hand_computation():
    post = bayes_update([0.99, 0.01], [0.05, 0.9])  # rare condition, imperfect test, positive result
    expected = np.array([0.99 * 0.05, 0.01 * 0.9]) / (0.99 * 0.05 + 0.01 * 0.9)
    np.testing.assert_allclose(post, expected)
    assert post.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("prior, lik, match", [
    ([0.5, 0.6], [0.1, 0.2], "sum to one"),
    ([1.2, -0.2], [0.1, 0.2], "non-negative"),
    ([0.5, 0.5], [0.1, 0.2, 0.3], "one entry per state"),
    ([0.5, 0.5], [0.1, 1.5], r"\[0, 1\]"),
    ([1.0, 0.0], [0.0, 0.7], "evidence"),
    ([], [], "empty"),
    ([[0.5, 0.5]], [0.1, 0.2], "1-D"),
])
def test_bayes_update_rejects_bad_input(prior, lik, match):
    with pytest.raises(ValueError, match=match):
        bayes_update(prior, lik)


# --- the coin ---------------------------------------------------------------------------------
def test_beta_posterior_adds_counts_and_sequential_equals_batch():
    assert beta_posterior(2, 3, heads=7, tosses=10) == (9.0, 6.0)
    a, b = 1.0, 1.0
    for toss in [1, 0, 1, 1, 0, 1]:
        a, b = beta_posterior(a, b, heads=toss, tosses=1)
    assert (a, b) == beta_posterior(1.0, 1.0, heads=4, tosses=6)


def test_beta_posterior_matches_a_grid_posterior():
    from scipy.stats import beta as beta_dist

    theta = np.linspace(1e-4, 1 - 1e-4, 20001)
    prior = beta_dist.pdf(theta, 3, 2)
    grid = prior * theta**8 * (1 - theta) ** 4
    grid /= np.trapezoid(grid, theta)
    a, b = beta_posterior(3, 2, heads=8, tosses=12)
    np.testing.assert_allclose(grid, beta_dist.pdf(theta, a, b), atol=1e-3)


@pytest.mark.parametrize("args, exc, match", [
    ((0, 1, 1, 2), ValueError, "alpha must be a finite number > 0"),
    ((1, -2, 1, 2), ValueError, "beta must be a finite number > 0"),
    ((1, 1, -1, 2), ValueError, "heads must be an int >= 0"),
    ((1, 1, 3, 2), ValueError, "heads must be <= tosses"),
    ((1, 1, 1.5, 2), TypeError, "heads must be an int"),
    (("1", 1, 1, 2), TypeError, "alpha must be a number"),
    ((float("nan"), 1, 1, 2), ValueError, "alpha must be a finite number > 0"),
])
def test_beta_posterior_rejects_bad_parameters(args, exc, match):
    with pytest.raises(exc, match=match):
        beta_posterior(*args)


def test_gaussian_posterior_is_precision_weighted():
    mean, var = gaussian_posterior(0.0, 4.0, [2.0], noise_var=1.0)
    assert mean == pytest.approx(2.0 * 4 / 5) and var == pytest.approx(0.8)
    mean, var = gaussian_posterior(0.0, 1.0, np.full(1000, 3.0), noise_var=1.0)
    assert mean == pytest.approx(3.0, abs=0.01) and var < 1e-3  # lots of data outweighs the prior
    with pytest.raises(ValueError, match="prior_var must be a finite number > 0"):
        gaussian_posterior(0.0, 0.0, [1.0], noise_var=1.0)
    with pytest.raises(ValueError, match="empty"):
        gaussian_posterior(0.0, 1.0, [], noise_var=1.0)


# --- naive Bayes against scikit-learn ---------------------------------------------------------
def _gaussian_data(seed=0):
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(m, s, size=(40, 3)) for m, s in ((0, 1), (2, 0.5), (-1, 2))])
    y = np.repeat(["a", "b", "c"], 40)
    return X, y


def test_gaussian_naive_bayes_matches_sklearn():
    X, y = _gaussian_data()
    ours = GaussianNaiveBayes().fit(X, y)
    ref = GaussianNB().fit(X, y)
    np.testing.assert_allclose(ours.theta_, ref.theta_)
    np.testing.assert_allclose(ours.var_, ref.var_)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    np.testing.assert_allclose(ours.predict_log_proba(X), ref.predict_log_proba(X), atol=1e-8)
    np.testing.assert_allclose(ours.predict_proba(X).sum(1), 1.0)


def test_gaussian_naive_bayes_accepts_tensors_and_priors():
    X, y = _gaussian_data()
    ours = GaussianNaiveBayes(priors=[0.6, 0.3, 0.1]).fit(torch.tensor(X), y)
    ref = GaussianNB(priors=[0.6, 0.3, 0.1]).fit(X, y)
    np.testing.assert_allclose(ours.predict_log_proba(torch.tensor(X)), ref.predict_log_proba(X), atol=1e-8)


def test_multinomial_naive_bayes_matches_sklearn():
    rng = np.random.default_rng(1)
    rates = rng.gamma(1.0, size=(3, 12))
    y = rng.integers(0, 3, size=90)
    X = rng.poisson(rates[y] * 3)
    for alpha in (1.0, 0.1):
        ours = MultinomialNaiveBayes(alpha=alpha).fit(X, y)
        ref = MultinomialNB(alpha=alpha).fit(X, y)
        np.testing.assert_allclose(ours.feature_log_prob_, ref.feature_log_prob_)
        np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
        np.testing.assert_allclose(ours.predict_log_proba(X), ref.predict_log_proba(X), atol=1e-8)
    assert ours.score(X, y) > 1 / 3 + 0.2  # well above chance on this separable toy set


@pytest.mark.parametrize("make, X, y, exc, match", [
    (lambda: MultinomialNaiveBayes(), [[1, -1], [0, 2]], [0, 1], ValueError, "counts >= 0"),
    (lambda: GaussianNaiveBayes(), [[1.0, 2.0], [0.0, 2.0]], [0, 1, 1], ValueError, r"shape \(2,\)"),
    (lambda: GaussianNaiveBayes(), [1.0, 2.0], [0, 1], ValueError, "2-D"),
    (lambda: GaussianNaiveBayes(), np.zeros((0, 3)), [], ValueError, "empty"),
    (lambda: GaussianNaiveBayes(), [[1.0, np.nan]], [0], ValueError, "finite"),
    (lambda: GaussianNaiveBayes(), [["a", "b"]], [0], TypeError, "numeric"),
    (lambda: GaussianNaiveBayes(priors=[0.5, 0.6]), [[1.0], [2.0]], [0, 1], ValueError, "sum to one"),
    (lambda: GaussianNaiveBayes(priors=[1.0]), [[1.0], [2.0]], [0, 1], ValueError, "2 entries"),
])
def test_naive_bayes_fit_rejects_bad_input(make, X, y, exc, match):
    with pytest.raises(exc, match=match):
        make().fit(X, y)


def test_naive_bayes_bad_parameters_and_predict_errors():
    with pytest.raises(ValueError, match="alpha must be a finite number > 0"):
        MultinomialNaiveBayes(alpha=0)
    with pytest.raises(ValueError, match="var_smoothing must be a number >= 0"):
        GaussianNaiveBayes(var_smoothing=-1.0)
    with pytest.raises(RuntimeError, match="not fitted"):
        GaussianNaiveBayes().predict([[1.0]])
    model = MultinomialNaiveBayes().fit([[1, 0, 2], [0, 3, 1]], ["x", "y"])
    with pytest.raises(ValueError, match="3 features"):
        model.predict([[1, 2]])
    with pytest.raises(ValueError, match="counts >= 0"):
        model.predict([[1, -2, 0]])
    assert list(model.predict([[5, 0, 0], [0, 5, 0]])) == ["x", "y"]


def test_score_accepts_tensors_and_checks_shape():
    X, y = _gaussian_data()
    model = GaussianNaiveBayes().fit(X, y)
    labels = torch.tensor(np.searchsorted(model.classes_, y))
    int_model = GaussianNaiveBayes().fit(X, labels)
    assert int_model.score(torch.tensor(X), labels) == model.score(X, y)
    with pytest.raises(ValueError, match="one label per row"):
        model.score(X, y[:5])
