"""d2lite.hmm: exact answers on tiny models (brute force over all paths) and clear errors."""
import itertools

import numpy as np
import pytest

from d2lite.hmm import CategoricalHMM, dishonest_casino, random_hmm


def brute_force(hmm, x):
    """Every state path z with its joint probability P(x, z)."""
    paths = list(itertools.product(range(hmm.num_states), repeat=len(x)))
    joint = []
    for z in paths:
        p = hmm.startprob[z[0]] * hmm.emissionprob[z[0], x[0]]
        for t in range(1, len(x)):
            p *= hmm.transmat[z[t - 1], z[t]] * hmm.emissionprob[z[t], x[t]]
        joint.append(p)
    return np.array(paths), np.array(joint)


@pytest.fixture
def tiny():
    return random_hmm(3, 4, seed=1), np.array([0, 3, 1, 1, 2, 0])


def test_forward_likelihood_equals_sum_over_paths(tiny):
    hmm, x = tiny
    _, joint = brute_force(hmm, x)
    assert np.isclose(hmm.log_likelihood(x), np.log(joint.sum()), rtol=1e-12)
    # the last forward row and the first backward row give the same likelihood
    assert np.isclose(np.logaddexp.reduce(hmm.forward(x)[-1]), np.log(joint.sum()))
    first = np.log(hmm.startprob * hmm.emissionprob[:, x[0]]) + hmm.backward(x)[0]
    assert np.isclose(np.logaddexp.reduce(first), np.log(joint.sum()))


def test_posteriors_equal_brute_force_marginals(tiny):
    hmm, x = tiny
    paths, joint = brute_force(hmm, x)
    expected = np.stack([[joint[paths[:, t] == i].sum() for i in range(3)] for t in range(len(x))])
    np.testing.assert_allclose(hmm.posteriors(x), expected / joint.sum(), atol=1e-12)


def test_viterbi_equals_brute_force_best_path(tiny):
    hmm, x = tiny
    paths, joint = brute_force(hmm, x)
    path, log_p = hmm.viterbi(x)
    np.testing.assert_array_equal(path, paths[joint.argmax()])
    assert np.isclose(log_p, np.log(joint.max()))


def test_long_sequence_does_not_underflow():
    hmm = dishonest_casino()
    _, x = hmm.sample(10_000, seed=0)
    ll = hmm.log_likelihood(x)
    assert np.isfinite(ll) and -10_000 * np.log(6) * 1.2 < ll < 0
    assert np.allclose(hmm.posteriors(x).sum(axis=1), 1.0)
    # forward * backward gives the same likelihood at every step
    np.testing.assert_allclose(np.logaddexp.reduce(hmm.forward(x) + hmm.backward(x), axis=1), ll)


def test_sample_follows_the_tables():
    hmm = dishonest_casino()
    z, x = hmm.sample(20_000, seed=3)
    assert z.shape == x.shape == (20_000,) and x.min() >= 0 and x.max() <= 5
    stay_fair = np.mean(z[1:][z[:-1] == 0] == 0)
    assert abs(stay_fair - hmm.transmat[0, 0]) < 0.01
    assert abs(np.mean(x[z == 1] == 5) - 0.5) < 0.03
    np.testing.assert_array_equal(hmm.sample(50, seed=1)[1], hmm.sample(50, seed=1)[1])


def test_baum_welch_never_decreases_likelihood_and_learns():
    truth = dishonest_casino()
    _, x = truth.sample(3000, seed=0)
    model = random_hmm(2, 6, seed=0)
    history = model.fit(x, n_iter=60, tol=0)
    assert len(history) == 60
    assert np.all(np.diff(history) >= -1e-8)
    assert history[-1] > history[0] + 10
    for table in (model.startprob, model.transmat, model.emissionprob):
        assert np.allclose(table.sum(axis=-1), 1.0) and np.all(table >= 0)


def test_fit_stops_at_tolerance():
    _, x = dishonest_casino().sample(500, seed=0)
    assert len(random_hmm(2, 6, seed=0).fit(x, n_iter=500, tol=1.0)) < 500


def test_impossible_sequence_is_refused():
    hmm = CategoricalHMM(startprob=[1, 0], transmat=[[1, 0], [0, 1]], emissionprob=[[1, 0], [0, 1]])
    with pytest.raises(ValueError, match="probability 0"):
        hmm.log_likelihood([0, 0, 1])


@pytest.mark.parametrize("kwargs, match", [
    (dict(transmat=[[0.9, 0.2], [0.1, 0.9]]), "sum to 1"),
    (dict(emissionprob=[[1.2, -0.2], [0.5, 0.5]]), ">= 0"),
    (dict(startprob=[0.5, 0.6]), "sum to 1"),
    (dict(transmat=[[1.0]]), r"shape \(2, 2\)"),
    (dict(emissionprob=[[0.5, 0.5]]), r"shape \(N=2, M\)"),
    (dict(startprob=[[0.5, 0.5]]), r"shape \(N,\)"),
    (dict(transmat=[[0.5, np.nan], [0.5, 0.5]]), "finite"),
])
def test_invalid_tables_raise_value_error(kwargs, match):
    tables = dict(startprob=[0.5, 0.5], transmat=[[0.9, 0.1], [0.2, 0.8]], emissionprob=[[0.5, 0.5], [0.1, 0.9]])
    with pytest.raises(ValueError, match=match):
        CategoricalHMM(**{**tables, **kwargs})


def test_non_numeric_table_raises_type_error():
    with pytest.raises(TypeError, match="numbers"):
        CategoricalHMM(startprob=["a", "b"], transmat=[[1, 0], [0, 1]], emissionprob=[[1, 0], [0, 1]])


@pytest.mark.parametrize("x, error, match", [
    ([], ValueError, "empty"),
    ([0, 6, 1], ValueError, "0..5, got 6 at position 1"),
    ([0, -1], ValueError, "0..5"),
    ([[0, 1], [1, 0]], ValueError, "1-D"),
    ([0.0, 1.0], TypeError, "integers"),
    ([True, False], TypeError, "integers"),
])
def test_invalid_observations(x, error, match):
    hmm = dishonest_casino()
    for method in (hmm.log_likelihood, hmm.posteriors, hmm.viterbi, hmm.forward, hmm.backward, hmm.fit):
        with pytest.raises(error, match=match):
            method(x)


def test_invalid_arguments():
    hmm = dishonest_casino()
    with pytest.raises(ValueError, match="seq_len"):
        hmm.sample(0)
    with pytest.raises(TypeError, match="n_iter"):
        hmm.fit([0, 1], n_iter=2.5)
    with pytest.raises(ValueError, match="tol"):
        hmm.fit([0, 1], tol=-1)
    with pytest.raises(ValueError, match="p_six"):
        dishonest_casino(p_six=1.5)


def test_single_observation():
    hmm = dishonest_casino()
    assert np.isclose(hmm.log_likelihood([5]), np.log(0.5 / 6 + 0.5 * 0.5))
    assert hmm.viterbi([5])[0].tolist() == [1]
    assert len(hmm.fit([5], n_iter=3)) >= 1
