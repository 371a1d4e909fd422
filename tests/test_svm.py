"""d2lite.svm: kernels, hinge loss, the primal solver and SMO, checked against scikit-learn."""
import numpy as np
import pytest
import torch
from sklearn.svm import SVC

import d2lite as d2l
from d2lite.svm import KernelSVM, LinearSVM, hinge_loss, linear_kernel, polynomial_kernel, rbf_kernel


def _data(name="moons", n=120, noise=0.2, seed=0):
    X, y = d2l.toy_2d(name, num_examples=n, noise=noise, seed=seed)
    return X.numpy().astype(np.float64), y.numpy()


def _jaccard(a, b):
    a, b = set(a.tolist()), set(b.tolist())
    return len(a & b) / len(a | b)


# --- kernels ----------------------------------------------------------------------------
def test_kernels_shapes_and_values():
    X, Z = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]]), np.array([[1.0, 0.0], [2.0, 2.0]])
    assert linear_kernel(X, Z).shape == (3, 2)
    np.testing.assert_allclose(linear_kernel(X, Z), X @ Z.T)
    K = rbf_kernel(X, gamma=0.5)
    np.testing.assert_allclose(np.diag(K), 1.0)
    np.testing.assert_allclose(K[0, 1], np.exp(-0.5 * ((X[0] - X[1]) ** 2).sum()))
    assert np.linalg.eigvalsh(K).min() > -1e-10  # a Gram matrix is positive semi-definite


def test_degree2_polynomial_kernel_is_an_inner_product_of_lifted_points():
    X = np.random.default_rng(0).normal(size=(6, 2))
    phi = np.stack([X[:, 0] ** 2, np.sqrt(2) * X[:, 0] * X[:, 1], X[:, 1] ** 2], 1)  # (6, 3)
    np.testing.assert_allclose(polynomial_kernel(X, degree=2, gamma=1.0, coef0=0.0), phi @ phi.T)


def test_kernels_take_torch_tensors():
    X = torch.randn(5, 3)
    np.testing.assert_allclose(rbf_kernel(X, gamma=1.0), rbf_kernel(X.numpy(), gamma=1.0))


# --- hinge loss -------------------------------------------------------------------------
def test_hinge_loss_values():
    # margins y*f = 2 (0 loss), 0.5 (0.5), -1 (2)
    assert hinge_loss(np.array([2.0, 0.5, 1.0]), np.array([1, 1, -1])) == pytest.approx(2.5 / 3)


def test_hinge_loss_bad_input():
    with pytest.raises(ValueError, match="shape"):
        hinge_loss(np.zeros(3), np.ones(2))
    with pytest.raises(ValueError, match="non-empty"):
        hinge_loss(np.zeros(0), np.zeros(0))
    with pytest.raises(ValueError, match="-1 and \\+1"):
        hinge_loss(np.zeros(2), np.array([0, 1]))


# --- the dual: SMO ----------------------------------------------------------------------
def test_smo_on_separable_data_satisfies_the_kkt_conditions():
    X, y = _data("blobs", n=80, noise=0.0)
    svm = KernelSVM(kernel="linear", C=1e3).fit(X, y)
    y_pm = np.where(y == 1, 1.0, -1.0)
    margins = y_pm * svm.decision_function(X)
    assert (svm.predict(X) == y).all()
    assert margins.min() > 1 - 1e-2                 # every point on or outside the margin
    np.testing.assert_allclose(margins[svm.support_], 1.0, atol=1e-2)  # SVs sit on it
    assert abs(svm.alpha_ @ y_pm) < 1e-9 and (svm.alpha_ >= 0).all() and (svm.alpha_ <= 1e3).all()
    assert len(svm.support_) < 10


@pytest.mark.parametrize("kernel,params", [("linear", {}), ("poly", {"degree": 2, "gamma": 1.0}),
                                           ("rbf", {"gamma": 2.0})])
def test_smo_matches_sklearn(kernel, params):
    X, y = _data("moons", n=150, noise=0.2)
    ours = KernelSVM(kernel=kernel, C=1.0, **params).fit(X, y)
    ref = SVC(kernel=kernel, C=1.0, coef0=1.0, **params).fit(X, y)
    Xt, _ = _data("moons", n=100, noise=0.2, seed=1)
    r = np.corrcoef(ours.decision_function(Xt), ref.decision_function(Xt))[0, 1]
    assert r > 0.999
    assert (ours.predict(Xt) == ref.predict(Xt)).mean() > 0.98
    assert _jaccard(ours.support_, ref.support_) > 0.9
    np.testing.assert_allclose(ours.intercept_, ref.intercept_[0], atol=0.05)


def test_labels_keep_their_names():
    X, y = _data("blobs", n=60, noise=0.1)
    names = np.array(["cat", "dog"])[y]
    svm = KernelSVM(kernel="rbf", gamma=1.0).fit(X, names)
    assert set(svm.predict(X)) <= {"cat", "dog"} and (svm.predict(X) == names).mean() > 0.9


# --- the primal -------------------------------------------------------------------------
def test_primal_subgradient_matches_sklearn_linear_svc():
    X, y = _data("blobs", n=100, noise=0.3)
    ours = LinearSVM(C=1.0, lr=3.0, num_steps=2000).fit(X, y)
    ref = SVC(kernel="linear", C=1.0).fit(X, y)
    y_pm = np.where(y == 1, 1.0, -1.0)
    J_ref = ours.objective(ref.coef_[0], ref.intercept_[0], X, y_pm)
    assert ours.objective(ours.coef_, ours.intercept_, X, y_pm) < J_ref * 1.001
    cos = ours.coef_ @ ref.coef_[0] / np.linalg.norm(ours.coef_) / np.linalg.norm(ref.coef_[0])
    assert cos > 0.999
    assert ours.objective_[-1] < ours.objective_[0]


# --- bad input --------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [KernelSVM, LinearSVM])
def test_fit_rejects_bad_data(cls):
    X, y = _data("blobs", n=20)
    with pytest.raises(ValueError, match=r"shape \(20,\)"):
        cls().fit(X, y[:-1])
    with pytest.raises(ValueError, match="non-empty 2-D"):
        cls().fit(np.zeros((0, 2)), np.zeros(0))
    with pytest.raises(ValueError, match="non-empty 2-D"):
        cls().fit(X[:, 0], y)
    with pytest.raises(ValueError, match="exactly two classes, got 1"):
        cls().fit(X, np.zeros(20))
    with pytest.raises(ValueError, match="exactly two classes, got 3"):
        cls().fit(X, np.arange(20) % 3)
    with pytest.raises(ValueError, match="finite"):
        cls().fit(np.full((20, 2), np.nan), y)
    with pytest.raises(TypeError, match="numeric array"):
        cls().fit([["a", "b"]] * 20, y)


@pytest.mark.parametrize("kwargs,error", [({"C": 0}, ValueError), ({"C": -1.0}, ValueError),
                                          ({"C": float("nan")}, ValueError), ({"C": "1"}, TypeError),
                                          ({"gamma": 0.0}, ValueError), ({"gamma": None}, TypeError),
                                          ({"degree": 0}, ValueError), ({"degree": 2.5}, TypeError),
                                          ({"kernel": "sigmoid"}, ValueError)])
def test_kernel_svm_rejects_bad_settings(kwargs, error):
    with pytest.raises(error, match=list(kwargs)[0]):
        KernelSVM(**kwargs)


def test_bad_kernel_arguments_and_predict_errors():
    with pytest.raises(ValueError, match="gamma"):
        rbf_kernel(np.ones((2, 2)), gamma=-1.0)
    with pytest.raises(ValueError, match="same number of features"):
        linear_kernel(np.ones((2, 2)), np.ones((2, 3)))
    with pytest.raises(RuntimeError, match="fit"):
        KernelSVM().decision_function(np.ones((2, 2)))
    X, y = _data("blobs", n=20)
    with pytest.raises(ValueError, match="features"):
        KernelSVM().fit(X, y).predict(np.ones((3, 5)))
    with pytest.raises(ValueError, match="features"):
        LinearSVM(num_steps=10).fit(X, y).predict(np.ones((3, 5)))
    with pytest.raises(ValueError, match="C"):
        LinearSVM(C=0.0)


def test_plot_svm_draws_boundary_margins_and_support_vectors():
    from d2lite.plotting import plot_svm

    X, y = _data("blobs", n=40)
    svm = KernelSVM(kernel="linear", C=1.0).fit(X, y)
    fig = plot_svm(svm.decision_function, X, y, support=svm.support_)
    ax = fig.axes[0]
    assert len(ax.collections) >= 4  # filled regions, three contour lines, points, rings
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        plot_svm(svm.decision_function, np.ones((5, 3)), np.ones(5))
