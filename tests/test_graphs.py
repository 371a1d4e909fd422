"""d2lite.graphs: graph data helpers, message passing, GCN / GraphSAGE / GAT layers and models."""
import dataclasses

import networkx as nx
import numpy as np
import pytest
import torch

import d2lite as d2l
from d2lite.graphs import (GAT, GCN, GATLayer, GCNLayer, GraphSAGE, SAGELayer, adjacency_from_edge_index,
                           adjacency_from_networkx, aggregate, check_adjacency, check_edge_index,
                           edge_index_from_adjacency, fit_nodes, laplacian, node_accuracy,
                           normalized_adjacency, sample_neighbors, sbm_citation)

DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(),
                                                                reason="no CUDA device"))]


def _path_graph(n=4):
    return adjacency_from_networkx(nx.path_graph(n))  # 0 - 1 - 2 - 3


def _small_data(seed=0):
    return sbm_citation(num_classes=3, nodes_per_class=30, p_in=0.2, p_out=0.01, num_features=30,
                        labels_per_class=3, num_val=20, seed=seed)


# --- data helpers ------------------------------------------------------------------------------
def test_adjacency_from_networkx_and_edge_index_round_trip():
    G = nx.karate_club_graph()
    A = adjacency_from_networkx(G)
    assert A.shape == (34, 34) and A.dtype == torch.float32
    assert torch.equal(A, A.T) and A.diagonal().abs().sum() == 0 and A.sum() == 2 * G.number_of_edges()
    ei = edge_index_from_adjacency(A)
    assert ei.shape == (2, 2 * G.number_of_edges()) and ei.dtype == torch.long
    assert torch.equal(adjacency_from_edge_index(ei, 34), A)
    one_way = ei[:, ei[0] < ei[1]]
    assert torch.equal(adjacency_from_edge_index(one_way, 34, symmetric=True), A)
    assert adjacency_from_networkx(G, weight="weight").max() > 1  # karate edges carry weights


def test_normalized_adjacency_matches_the_formula():
    A = _path_graph()
    deg = A.sum(1) + 1
    expected = (A + torch.eye(4)) / torch.sqrt(deg[:, None] * deg[None, :])
    torch.testing.assert_close(normalized_adjacency(A), expected)
    A_hat = normalized_adjacency(A)
    assert torch.allclose(A_hat, A_hat.T)
    eig = torch.linalg.eigvalsh(A_hat)
    assert eig.max() == pytest.approx(1.0, abs=1e-5) and eig.min() > -1  # a low-pass filter
    isolated = torch.zeros(3, 3)
    assert torch.equal(normalized_adjacency(isolated, self_loops=False), isolated)  # no 0/0


def test_laplacian_rows_sum_to_zero_and_quadratic_form_counts_edges():
    A = adjacency_from_networkx(nx.karate_club_graph())
    L = laplacian(A)
    torch.testing.assert_close(L.sum(1), torch.zeros(34))
    x = torch.randn(34)
    src, dst = edge_index_from_adjacency(A)
    torch.testing.assert_close(x @ L @ x, 0.5 * ((x[src] - x[dst]) ** 2).sum(), rtol=1e-4, atol=1e-4)
    Ln = laplacian(A, normalized=True)
    assert torch.linalg.eigvalsh(Ln).min() > -1e-5 and torch.linalg.eigvalsh(Ln).max() <= 2 + 1e-5


@pytest.mark.parametrize("reduce", ["sum", "mean", "max"])
def test_aggregate_matches_a_python_loop(reduce):
    g = torch.Generator().manual_seed(0)
    X = torch.randn(6, 3, generator=g)
    ei = torch.tensor([[0, 1, 2, 3, 3, 5], [1, 1, 1, 0, 2, 0]])  # node 4 receives nothing
    out = aggregate(X, ei, reduce=reduce)
    for t in range(6):
        msgs = [X[s] for s, tt in ei.T.tolist() if tt == t]
        if not msgs:
            expected = torch.zeros(3)
        else:
            stack = torch.stack(msgs)
            expected = {"sum": stack.sum(0), "mean": stack.mean(0), "max": stack.max(0).values}[reduce]
        torch.testing.assert_close(out[t], expected)


def test_aggregate_sum_equals_adjacency_product():
    A = adjacency_from_networkx(nx.karate_club_graph())
    X = torch.randn(34, 5)
    torch.testing.assert_close(aggregate(X, edge_index_from_adjacency(A)), A @ X, rtol=1e-5, atol=1e-5)


def test_sample_neighbors_draws_only_neighbours():
    A = _path_graph(5)
    A[4, 3] = A[3, 4] = 0  # node 4 isolated
    idx = sample_neighbors(A, 50, generator=torch.Generator().manual_seed(0))
    assert idx.shape == (5, 50) and idx.dtype == torch.long
    for v in range(4):
        assert set(idx[v].tolist()) == set(torch.nonzero(A[v]).flatten().tolist())
    assert set(idx[4].tolist()) == {4}


def test_sbm_citation_shapes_masks_and_homophily():
    data = sbm_citation(seed=0)
    n = 400
    assert data.X.shape == (n, 100) and data.y.shape == (n,) and data.A.shape == (n, n)
    assert data.num_classes == 4 and data.num_features == 100
    torch.testing.assert_close(data.X.sum(1), torch.ones(n))
    masks = torch.stack([data.train_mask, data.val_mask, data.test_mask])
    assert (masks.sum(0) == 1).all()  # disjoint and covering
    assert int(data.train_mask.sum()) == 20 and int(data.val_mask.sum()) == 100
    assert torch.bincount(data.y[data.train_mask]).tolist() == [5] * 4
    src, dst = edge_index_from_adjacency(data.A)
    assert (data.y[src] == data.y[dst]).float().mean() > 0.7  # most links stay inside a class
    again = sbm_citation(seed=0)
    assert torch.equal(again.A, data.A) and torch.equal(again.X, data.X)


# --- bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize("A, err, match", [
    (torch.zeros(3, 4), ValueError, "square"),
    (torch.zeros(2, 3, 3), ValueError, "square"),
    (torch.zeros(0, 0), ValueError, "at least one node"),
    (torch.zeros(3, 3, dtype=torch.complex64), TypeError, "dtype"),
    (np.array([["a", "b"], ["c", "d"]]), TypeError, "numbers"),
    ("not a matrix", TypeError, "tensor"),
    (torch.tensor([[0.0, -1.0], [-1.0, 0.0]]), ValueError, ">= 0"),
    (torch.tensor([[0.0, float("nan")], [1.0, 0.0]]), ValueError, "finite"),
])
def test_malformed_adjacency_is_refused(A, err, match):
    with pytest.raises(err, match=match):
        check_adjacency(A)
    with pytest.raises(err):
        normalized_adjacency(A)


def test_adjacency_must_match_the_features():
    model = GCN(num_inputs=3, num_hiddens=4, num_outputs=2)
    with pytest.raises(ValueError, match="match X"):
        model(torch.randn(5, 3), _path_graph(4))
    with pytest.raises(TypeError, match="float tensor"):
        model(torch.ones(4, 3, dtype=torch.long), _path_graph(4))
    with pytest.raises(ValueError, match=r"\(n, d\)|\(4, d\)"):
        model(torch.randn(4), _path_graph(4))


def test_bool_and_int_adjacency_are_accepted():
    A = _path_graph()
    assert torch.equal(check_adjacency(A.bool()), A) and torch.equal(check_adjacency(A.long()), A)


@pytest.mark.parametrize("ei, err, match", [
    (torch.tensor([[0.0, 1.0], [1.0, 0.0]]), TypeError, "integer"),
    (torch.tensor([[True], [False]]), TypeError, "integer"),
    (torch.tensor([0, 1, 2]), ValueError, r"\(2, E\)"),
    (torch.tensor([[0, 1], [1, 2], [2, 0]]), ValueError, r"\(2, E\)"),
    (torch.tensor([[0, -1], [1, 0]]), ValueError, "negative"),
    (torch.tensor([[0, 4], [1, 0]]), ValueError, "< num_nodes=4"),
])
def test_malformed_edge_index_is_refused(ei, err, match):
    with pytest.raises(err, match=match):
        check_edge_index(ei, 4)
    with pytest.raises(err, match=match):
        adjacency_from_edge_index(ei, 4)
    with pytest.raises(err, match=match):
        aggregate(torch.randn(4, 2), ei)


def test_other_bad_arguments():
    with pytest.raises(ValueError, match="reduce"):
        aggregate(torch.randn(4, 2), torch.tensor([[0], [1]]), reduce="median")
    with pytest.raises(TypeError, match="num_samples"):
        sample_neighbors(_path_graph(), 2.5)
    with pytest.raises(TypeError, match="networkx"):
        adjacency_from_networkx(np.eye(3))
    with pytest.raises(ValueError, match="p_in"):
        sbm_citation(p_in=1.5)
    with pytest.raises(ValueError, match="no test nodes"):
        sbm_citation(nodes_per_class=10, labels_per_class=5, num_val=30)
    with pytest.raises(ValueError, match="num_hiddens|num_outputs|num_inputs"):
        GAT(num_inputs=3, num_hiddens=0, num_outputs=2)
    with pytest.raises(ValueError, match="mask"):
        node_accuracy(GCN(num_inputs=30, num_hiddens=4, num_outputs=3), _small_data(), torch.ones(5, dtype=torch.bool))


# --- layers and models -------------------------------------------------------------------------
def test_gcn_layer_is_a_hat_x_w_plus_b():
    layer = GCNLayer(3, 2)
    X, A_hat = torch.randn(4, 3), normalized_adjacency(_path_graph())
    expected = A_hat @ X @ layer.linear.weight.T + layer.linear.bias
    torch.testing.assert_close(layer(X, A_hat), expected)


def test_sage_layer_full_mean_and_sampled_mean():
    layer = SAGELayer(3, 2)
    A, X = _path_graph(), torch.randn(4, 3)
    neigh = (A @ X) / A.sum(1, keepdim=True)
    torch.testing.assert_close(layer(X, A), layer.self_linear(X) + layer.neigh_linear(neigh))
    torch.manual_seed(0)
    assert layer(X, A, num_samples=3).shape == (4, 2)
    end = layer(X, A, num_samples=5)[0]  # node 0 has one neighbour: sampling cannot change its mean
    torch.testing.assert_close(end, layer(X, A)[0])


def test_gat_attention_is_a_softmax_over_neighbours():
    layer = GATLayer(3, 2, num_heads=3)
    A, X = _path_graph(), torch.randn(4, 3)
    out = layer(X, A)
    assert out.shape == (4, 6)
    att = layer.attention
    assert att.shape == (3, 4, 4)
    torch.testing.assert_close(att.sum(-1), torch.ones(3, 4))
    allowed = (A + torch.eye(4)) > 0
    assert (att[:, ~allowed] == 0).all() and (att[:, allowed] > 0).all()
    assert GATLayer(3, 2, num_heads=3, concat=False)(X, A).shape == (4, 2)


def test_gat_equals_a_mean_when_scores_are_equal():
    layer = GATLayer(3, 2)
    with torch.no_grad():
        layer.a_target.zero_()
        layer.a_source.zero_()
    A, X = _path_graph(), torch.randn(4, 3)
    A_loop = A + torch.eye(4)
    torch.testing.assert_close(layer(X, A), (A_loop / A_loop.sum(1, keepdim=True)) @ layer.linear(X))


@pytest.mark.parametrize("Model, kw", [(GCN, {}), (GraphSAGE, {"num_samples": 3}), (GAT, {"num_heads": 2})])
def test_model_shapes_and_permutation_equivariance(Model, kw):
    d2l.set_seed(0)
    model = Model(num_inputs=5, num_hiddens=4, num_outputs=3, **kw).eval()
    A, X = adjacency_from_networkx(nx.karate_club_graph()), torch.randn(34, 5)
    out = model(X, A)
    assert out.shape == (34, 3)
    perm = torch.randperm(34)
    torch.testing.assert_close(model(X[perm], A[perm][:, perm]), out[perm], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("Model", [GCN, GraphSAGE, GAT])
def test_models_learn_the_sbm_graph_on_each_device(device, Model):
    d2l.set_seed(0)
    data = _small_data().to(device)
    model = Model(num_inputs=data.num_features, num_hiddens=8, num_outputs=data.num_classes).to(device)
    history = fit_nodes(model, data, max_epochs=60, lr=0.05)
    assert set(history) == {"loss", "val_loss", "train_accuracy", "val_accuracy"}
    assert len(history["loss"]) == 60 and history["loss"][-1] < history["loss"][0]
    assert node_accuracy(model, data, data.test_mask) > 0.7  # chance is 1/3
    assert next(model.parameters()).device.type == device


def test_the_graph_helps_over_features_alone():
    d2l.set_seed(0)
    data = _small_data()
    no_edges = dataclasses.replace(data, A=torch.zeros_like(data.A))  # a GCN without edges is an MLP
    accs = []
    for d in (no_edges, data):
        d2l.set_seed(0)
        model = GCN(num_inputs=data.num_features, num_hiddens=8, num_outputs=data.num_classes)
        fit_nodes(model, d, max_epochs=60, lr=0.05)
        accs.append(node_accuracy(model, d, data.test_mask))
    assert accs[1] > accs[0] + 0.1


def test_fit_nodes_keeps_the_best_validation_epoch():
    d2l.set_seed(0)
    data = _small_data()
    model = GCN(num_inputs=data.num_features, num_hiddens=8, num_outputs=data.num_classes)
    history = fit_nodes(model, data, max_epochs=40, lr=0.05)
    assert node_accuracy(model, data, data.val_mask) == pytest.approx(max(history["val_accuracy"]))
    with pytest.raises(TypeError, match="max_epochs"):
        fit_nodes(model, data, max_epochs=1.5)
    with pytest.raises(TypeError, match="model must be a Module"):
        fit_nodes("a GCN", data)
    with pytest.raises(TypeError, match="data must be a GraphData"):
        fit_nodes(model, (data.X, data.A))
    with pytest.raises(TypeError, match="lr"):
        fit_nodes(model, data, lr="0.01")
