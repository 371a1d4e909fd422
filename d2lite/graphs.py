"""Graph neural networks in plain torch: graph data, message passing, GCN, GraphSAGE and GAT.

The graphs are small, so they travel as a dense adjacency ``A`` (n, n), ``A[i, j] > 0`` for an
edge ``i``–``j`` (no self-loops: the layers add them); message passing also takes an *edge
index* (2, E) of ``(source, target)`` rows. Every model is called as ``model(X, A)`` with node
features ``X`` (n, d), returns logits (n, classes) and follows the device of its inputs.

>>> data = sbm_citation(seed=0)                       # GraphData: X, y, A and three masks
>>> model = GCN(num_inputs=data.num_features, num_hiddens=16, num_outputs=data.num_classes)
>>> history = fit_nodes(model, data, max_epochs=100); node_accuracy(model, data, data.test_mask)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from . import _checks
from ._checks import positive_float
from ._checks import (boolean, check_adjacency, check_edge_index, dropout_rate, fraction, module, non_negative_float,
                      one_of, positive_int, seed as check_seed, tensor, text)

__all__ = ["GAT", "GATLayer", "GCN", "GCNLayer", "GraphData", "GraphSAGE", "SAGELayer",
           "adjacency_from_edge_index", "adjacency_from_networkx", "aggregate", "check_adjacency",
           "check_edge_index", "edge_index_from_adjacency", "fit_nodes", "laplacian",
           "node_accuracy", "normalized_adjacency", "sample_neighbors", "sbm_citation"]

REDUCE = ("sum", "mean", "max")


def _normalize(A: torch.Tensor, self_loops: bool) -> torch.Tensor:  # no checks: forward calls it
    A = A if A.dtype.is_floating_point else A.float()
    if self_loops:
        A = A + torch.eye(A.shape[0], device=A.device, dtype=A.dtype)
    deg = A.sum(1)
    inv_sqrt = torch.where(deg > 0, deg.clamp_min(1e-12).rsqrt(), torch.zeros_like(deg))
    return inv_sqrt[:, None] * A * inv_sqrt[None, :]


def _sample(A: torch.Tensor, num_samples: int, generator) -> torch.Tensor:  # no checks: forward calls it
    A = A if A.dtype.is_floating_point else A.float()
    weights = A + torch.diag((A.sum(1) == 0).to(A.dtype))  # an isolated node draws itself
    return torch.multinomial(weights, num_samples, replacement=True, generator=generator)


# --- graph data helpers -----------------------------------------------------------------------
def adjacency_from_networkx(G, *, weight: str | None = None) -> torch.Tensor:
    """Dense adjacency (n, n) float32 of a networkx graph in ``G.nodes`` order; 0/1 unless ``weight``."""
    import networkx as nx

    if not isinstance(G, nx.Graph):
        raise TypeError(f"G must be a networkx graph, got {type(G).__name__}")
    if weight is not None:
        text("weight", weight)
    if G.number_of_nodes() == 0:
        raise ValueError("G must have at least one node, got an empty graph")
    return torch.as_tensor(nx.to_numpy_array(G, weight=weight), dtype=torch.float32)


def adjacency_from_edge_index(edge_index, num_nodes: int, *, symmetric: bool = False) -> torch.Tensor:
    """Dense 0/1 adjacency (n, n) from an edge index (2, E); ``symmetric`` adds reverse edges."""
    ei = check_edge_index(edge_index, num_nodes)
    boolean("symmetric", symmetric)
    A = torch.zeros(num_nodes, num_nodes, device=ei.device)
    A[ei[0], ei[1]] = 1.0
    return torch.maximum(A, A.T) if symmetric else A


def edge_index_from_adjacency(A) -> torch.Tensor:
    """Edge index (2, E) of the non-zero entries of ``A``, row-major (sorted by source)."""
    return check_adjacency(A).nonzero().T.contiguous()


def normalized_adjacency(A, *, self_loops: bool = True) -> torch.Tensor:
    r"""GCN's :math:`\hat A = D^{-1/2}(A + I)D^{-1/2}`, ``D`` the row sums of ``A + I`` (n, n).

    ``self_loops=False`` adds no ``I``; isolated nodes (degree 0) then get a zero row.
    """
    return _normalize(check_adjacency(A), boolean("self_loops", self_loops))


def laplacian(A, *, normalized: bool = False) -> torch.Tensor:
    r"""Graph Laplacian :math:`L = D - A`, or :math:`I - D^{-1/2} A D^{-1/2}` if ``normalized``."""
    A = check_adjacency(A)
    if boolean("normalized", normalized):
        return torch.eye(A.shape[0], device=A.device, dtype=A.dtype) - normalized_adjacency(A, self_loops=False)
    return torch.diag(A.sum(1)) - A


def aggregate(X: torch.Tensor, edge_index, *, reduce: str = "sum") -> torch.Tensor:
    """Message passing: node ``t`` reduces the messages ``X[s]`` of its edges ``(s, t)``; (n, d).

    ``reduce`` is ``"sum"``, ``"mean"`` or ``"max"``; a node no edge reaches gets zeros.
    ``edge_index`` is (2, E); for a symmetric ``A``, ``"sum"`` equals ``A @ X``.
    """
    X = _checks.node_features(X)
    one_of("reduce", reduce, REDUCE)
    src, dst = check_edge_index(edge_index, X.shape[0]).to(X.device)
    out = torch.zeros_like(X)
    if reduce == "max":  # rows no edge reaches keep their zeros
        idx = dst[:, None].expand(-1, X.shape[1])
        return out.scatter_reduce(0, idx, X[src], reduce="amax", include_self=False)
    out.index_add_(0, dst, X[src])
    if reduce == "mean":
        count = torch.zeros_like(X[:, 0]).index_add_(0, dst, torch.ones_like(dst, dtype=X.dtype))  # in-degrees
        out = out / count.clamp_min(1)[:, None]
    return out


def sample_neighbors(A, num_samples: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
    """GraphSAGE's sampling: ``num_samples`` neighbours per node, with replacement; long (n, k).

    Draws are proportional to edge weights (uniform for 0/1 ``A``); an isolated node draws itself.
    """
    A = check_adjacency(A)
    num_samples = positive_int("num_samples", num_samples)
    _checks.generator(generator)
    return _sample(A, num_samples, generator)


@dataclass(frozen=True)
class GraphData:
    """One graph for node classification: features, labels, adjacency and boolean masks."""
    X: torch.Tensor           # (n, d) float node features
    y: torch.Tensor           # (n,) long labels 0 … num_classes-1
    A: torch.Tensor           # (n, n) adjacency, no self-loops
    train_mask: torch.Tensor  # (n,) bool: the few labelled nodes
    val_mask: torch.Tensor    # (n,) bool: for choosing the epoch
    test_mask: torch.Tensor   # (n,) bool: the rest

    @property
    def num_features(self) -> int:
        return self.X.shape[1]

    @property
    def num_classes(self) -> int:
        return int(self.y.max()) + 1

    def to(self, device) -> "GraphData":
        """A copy with every tensor on ``device``."""
        return GraphData(**{f: getattr(self, f).to(device) for f in self.__dataclass_fields__})


def sbm_citation(*, num_classes: int = 4, nodes_per_class: int = 100, p_in: float = 0.05,
                 p_out: float = 0.004, num_features: int = 100, words_per_node: int = 12,
                 topic_share: float = 0.3, labels_per_class: int = 5, num_val: int = 100,
                 seed: int = 0) -> GraphData:
    """A citation-style graph: stochastic-block-model links and noisy bag-of-words features.

    Papers of one class (block) cite each other with probability ``p_in``, others with ``p_out``.
    Each draws ``words_per_node`` words, with probability ``topic_share`` from its class's topic
    words (``num_features // num_classes``), else from the whole vocabulary; features are the
    word-presence vector normalised to sum one (as for Cora). Masks: ``labels_per_class`` nodes
    per class to train, ``num_val`` to validate, the rest to test.

    Raises:
        TypeError, ValueError: a count is not a positive int, a probability is outside (0, 1),
            the seed is not a seed, or there are too few nodes.
    """
    import networkx as nx

    for k, v in dict(num_classes=num_classes, nodes_per_class=nodes_per_class, num_features=num_features,
                     words_per_node=words_per_node, labels_per_class=labels_per_class, num_val=num_val).items():
        positive_int(k, v)
    for k, v in dict(p_in=p_in, p_out=p_out, topic_share=topic_share).items():
        fraction(k, v)
    check_seed("seed", seed)
    if num_classes < 2 or num_features < num_classes:
        raise ValueError(f"need 2 <= num_classes <= num_features, got {num_classes} and {num_features}")
    n = num_classes * nodes_per_class
    if num_classes * labels_per_class + num_val >= n or labels_per_class >= nodes_per_class:
        raise ValueError(f"{labels_per_class} labels per class and {num_val} validation nodes "
                         f"leave no test nodes among {n}")
    probs = [[p_in if i == j else p_out for j in range(num_classes)] for i in range(num_classes)]
    G = nx.stochastic_block_model([nodes_per_class] * num_classes, probs, seed=seed)
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(num_classes), nodes_per_class)
    per_topic = num_features // num_classes
    from_topic = rng.random((n, words_per_node)) < topic_share
    words = np.where(from_topic, y[:, None] * per_topic + rng.integers(0, per_topic, (n, words_per_node)),
                     rng.integers(0, num_features, (n, words_per_node)))
    X = np.zeros((n, num_features), dtype=np.float32)
    np.put_along_axis(X, words, 1.0, axis=1)
    X /= X.sum(1, keepdims=True)
    train = np.concatenate([rng.choice(np.flatnonzero(y == c), labels_per_class, replace=False)
                            for c in range(num_classes)])
    rest = rng.permutation(np.setdiff1d(np.arange(n), train))
    masks = [np.isin(np.arange(n), idx) for idx in (train, rest[:num_val], rest[num_val:])]
    return GraphData(torch.from_numpy(X), torch.from_numpy(y).long(), adjacency_from_networkx(G),
                     *(torch.from_numpy(m) for m in masks))


# --- layers and models: model(X, A) -> logits (n, classes) -----------------------------------
class GCNLayer(nn.Module):
    r"""One graph convolution :math:`\hat A X W + b`; takes the *normalised* adjacency."""

    def __init__(self, num_inputs: int, num_outputs: int, *, bias: bool = True):
        super().__init__()
        d_in, d_out = positive_int("num_inputs", num_inputs), positive_int("num_outputs", num_outputs)
        self.linear = nn.Linear(d_in, d_out, bias=boolean("bias", bias))

    def forward(self, X: torch.Tensor, A_hat: torch.Tensor) -> torch.Tensor:
        _checks.node_features(X, d=self.linear.in_features)
        _checks.square_matrix("A_hat", A_hat, X.shape[0])
        # A_hat (n, n) @ (X (n, d) W (d, h)); the bias is added once per node, after mixing
        return A_hat @ (X @ self.linear.weight.T) + (0 if self.linear.bias is None else self.linear.bias)


class SAGELayer(nn.Module):
    r"""GraphSAGE-mean: :math:`W_1 x_v + W_2\,\mathrm{mean}_{u \in S(v)} x_u`.

    ``S(v)`` is ``num_samples`` sampled neighbours, or all neighbours when it is None.
    """

    def __init__(self, num_inputs: int, num_outputs: int):
        super().__init__()
        num_inputs, num_outputs = positive_int("num_inputs", num_inputs), positive_int("num_outputs", num_outputs)
        self.self_linear = nn.Linear(num_inputs, num_outputs)
        self.neigh_linear = nn.Linear(num_inputs, num_outputs, bias=False)

    def forward(self, X: torch.Tensor, A: torch.Tensor, *, num_samples: int | None = None) -> torch.Tensor:
        _checks.node_features(X, d=self.self_linear.in_features)
        _checks.square_matrix("A", A, X.shape[0])
        if num_samples is None:  # the exact mean over all neighbours
            deg = A.sum(1, keepdim=True)
            neigh = (A @ X) / deg.clamp_min(1e-12)
        else:
            neigh = X[_sample(A, positive_int("num_samples", num_samples), None)].mean(1)  # (n, k, d) -> (n, d)
        return self.self_linear(X) + self.neigh_linear(neigh)


class GATLayer(nn.Module):
    r"""Graph attention: :math:`h_i' = \sum_j \alpha_{ij} W x_j` over neighbours and ``i`` itself.

    :math:`\alpha_{ij} = \mathrm{softmax}_j\,\mathrm{LeakyReLU}(a_1^\top W x_i + a_2^\top W x_j)`,
    one ``a`` per head. Heads are concatenated (``concat=True``) or averaged. After a forward
    pass ``self.attention`` holds the weights (heads, n, n), detached, for plotting.
    """

    def __init__(self, num_inputs: int, num_outputs: int, *, num_heads: int = 1, concat: bool = True,
                 dropout: float = 0.0, negative_slope: float = 0.2):
        super().__init__()
        self.num_heads, self.num_outputs = positive_int("num_heads", num_heads), positive_int("num_outputs", num_outputs)
        self.concat, self.attention = boolean("concat", concat), None
        self.linear = nn.Linear(positive_int("num_inputs", num_inputs), num_heads * num_outputs, bias=False)
        # a = [a_target; a_source]: scores the receiving node i and the sending node j
        self.a_target = nn.Parameter(nn.init.xavier_uniform_(torch.empty(num_heads, num_outputs)))
        self.a_source = nn.Parameter(nn.init.xavier_uniform_(torch.empty(num_heads, num_outputs)))
        self.dropout = dropout_rate("dropout", dropout)
        self.negative_slope = non_negative_float("negative_slope", negative_slope)

    def forward(self, X: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
        _checks.node_features(X, d=self.linear.in_features)
        n = X.shape[0]
        _checks.square_matrix("A", A, n)
        H = self.linear(X).view(n, self.num_heads, self.num_outputs).transpose(0, 1)  # (num_heads, n, h)
        s_target, s_source = (H * self.a_target[:, None]).sum(-1), (H * self.a_source[:, None]).sum(-1)
        # e_ij = LeakyReLU(a_1.Wx_i + a_2.Wx_j): (heads, n, 1) + (heads, 1, n) -> (heads, n, n)
        scores = nn.functional.leaky_relu(s_target[:, :, None] + s_source[:, None, :], self.negative_slope)
        mask = (A > 0) | torch.eye(n, dtype=torch.bool, device=A.device)
        alpha = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
        self.attention = alpha.detach()
        alpha = nn.functional.dropout(alpha, self.dropout, self.training)
        out = (alpha @ H).transpose(0, 1)  # (n, heads, h)
        return out.reshape(n, -1) if self.concat else out.mean(1)


class _NodeModel(nn.Module):
    """Shared by the models: check ``X`` and ``A``, then two layers with dropout before each."""

    def forward(self, X: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
        X = _checks.node_features(X)
        A = _checks.square_matrix("A", A, X.shape[0]).to(X.dtype)  # shapes only: check_adjacency reads values
        H = self.act(self._layer(self.layer1, self.dropout(X), A))
        return self._layer(self.layer2, self.dropout(H), A)

    def _layer(self, layer, X, A):
        return layer(X, A)


class GCN(_NodeModel):
    """Two GCN layers with ReLU and dropout (Kipf and Welling, 2017); ``A`` is normalised inside."""

    def __init__(self, *, num_inputs: int, num_hiddens: int, num_outputs: int, dropout: float = 0.5):
        super().__init__()
        positive_int("num_hiddens", num_hiddens)
        self.layer1, self.layer2 = GCNLayer(num_inputs, num_hiddens), GCNLayer(num_hiddens, num_outputs)
        self.act, self.dropout = nn.ReLU(), nn.Dropout(dropout_rate("dropout", dropout))

    def forward(self, X: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
        _checks.square_matrix("A", A, _checks.node_features(X).shape[0])
        return super().forward(X, _normalize(A, True))  # Â has self-loops: the mask stays ok


class GraphSAGE(_NodeModel):
    """Two GraphSAGE-mean layers; training samples ``num_samples`` neighbours, evaluation uses all."""

    def __init__(self, *, num_inputs: int, num_hiddens: int, num_outputs: int, num_samples: int = 10,
                 dropout: float = 0.5):
        super().__init__()
        positive_int("num_hiddens", num_hiddens)
        self.layer1, self.layer2 = SAGELayer(num_inputs, num_hiddens), SAGELayer(num_hiddens, num_outputs)
        self.num_samples = positive_int("num_samples", num_samples)
        self.act, self.dropout = nn.ReLU(), nn.Dropout(dropout_rate("dropout", dropout))

    def _layer(self, layer, X, A):
        return layer(X, A, num_samples=self.num_samples if self.training else None)


class GAT(_NodeModel):
    """Two GAT layers: ``num_heads`` concatenated heads with ELU, then one averaged output head."""

    def __init__(self, *, num_inputs: int, num_hiddens: int, num_outputs: int, num_heads: int = 4,
                 dropout: float = 0.5):
        super().__init__()
        positive_int("num_hiddens", num_hiddens)
        p = dropout_rate("dropout", dropout)
        self.layer1 = GATLayer(num_inputs, num_hiddens, num_heads=num_heads, dropout=p)
        self.layer2 = GATLayer(num_hiddens * num_heads, num_outputs, num_heads=1, concat=False, dropout=p)
        self.act, self.dropout = nn.ELU(), nn.Dropout(p)


# --- full-batch training ----------------------------------------------------------------------
@torch.no_grad()
def node_accuracy(model: nn.Module, data: GraphData, mask: torch.Tensor) -> float:
    """Accuracy of ``model(data.X, data.A)`` on the nodes where ``mask`` (bool (n,)) is True, in eval mode."""
    module("model", model)
    module("data", data, GraphData)
    tensor("mask", mask, 1, what=" of nodes")
    if mask.dtype != torch.bool or mask.shape != (data.X.shape[0],):
        raise ValueError(f"mask must be a bool tensor ({data.X.shape[0]},), got {mask.dtype} {tuple(mask.shape)}")
    model.eval()
    pred = model(data.X, data.A).argmax(1)
    return (pred[mask] == data.y[mask]).float().mean().item()


def fit_nodes(model: nn.Module, data: GraphData, *, lr: float = 0.01, weight_decay: float = 5e-4,
              max_epochs: int = 200) -> dict[str, list[float]]:
    """Full-batch Adam on the training mask through :class:`d2lite.Trainer` (each epoch one batch,
    the graph); keeps the weights of the best validation epoch: highest validation accuracy, ties
    broken by validation loss. ``model`` moves to ``data``'s device. Returns lists per epoch: loss,
    val_loss, train_accuracy, val_accuracy (the last three in eval mode, after the epoch's step)."""
    from . import _checks, callbacks, training
    _checks.module("model", model)
    _checks.module("data", data, GraphData)
    trainer = training.Trainer(max_epochs=max_epochs, device=data.X.device, callbacks=[])
    optimizer = torch.optim.Adam(model.parameters(), lr=positive_float("lr", lr),
                                 weight_decay=non_negative_float("weight_decay", weight_decay))
    loss_fn, best = nn.CrossEntropyLoss(), {}
    history = {k: [] for k in ("loss", "val_loss", "train_accuracy", "val_accuracy")}

    @torch.no_grad()
    def end_epoch(trainer, logs):  # evaluate after the step; remember the best weights
        model.eval()
        logits = model(data.X, data.A)
        val_loss = loss_fn(logits[data.val_mask], data.y[data.val_mask]).item()
        accs = [(logits.argmax(1)[m] == data.y[m]).float().mean().item() for m in (data.train_mask, data.val_mask)]
        for k, v in zip(history, (logs["train_loss"], val_loss, *accs)):
            history[k].append(v)
        if not best or (accs[1], -val_loss) > best["score"]:
            best.update(score=(accs[1], -val_loss), state={k: v.clone() for k, v in model.state_dict().items()})

    trainer.callbacks = [callbacks.LambdaCallback(on_epoch_end=end_epoch, on_fit_end=lambda trainer: best and
                                                  model.load_state_dict(best["state"]))]
    trainer.fit(model, [data], optimizer=optimizer,
                batch_loss=lambda model, g: (loss_fn(model(g.X, g.A)[g.train_mask], g.y[g.train_mask]), 1))
    return history
