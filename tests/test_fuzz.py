"""Feed every public d2lite callable bad arguments; each must raise a ValueError or TypeError that
names the argument. Never another exception, never silent acceptance.

``REGISTRY`` holds, for every public function and class of ``d2lite`` (its top-level names without
an underscore), one valid call and the *kind* of each argument. The kind decides which bad values
are fed (wrong type, wrong shape, NaN/inf, negative, zero, out of range); each bad call replaces one
argument of the valid call. For models the registry also holds a valid ``forward`` call whose
tensor inputs get wrong types, ranks and dtypes. :func:`test_registry_covers_every_public_callable`
fails when a new public callable has no entry, so the coverage cannot rot.

The last tests hold forward passes and per-step losses to shapes and dtypes: while they run,
reading a tensor value on the host (``.item()``, ``bool(t)``, ...) raises, since on a GPU each such
read stops the computation until the value arrives.

Run ``python tests/test_fuzz.py`` for the counts (callables covered, bad calls, failures).
"""
from __future__ import annotations

import inspect
import random
import sys
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import d2lite as d2l  # noqa: E402

NAN, INF = float("nan"), float("inf")


# ---------------------------------------------------------------------------------- kinds of args
class Kind:
    """A kind of argument; ``bad(valid)`` lists ``(label, bad value)`` pairs that cannot work."""

    def __init__(self, name, bad):
        self.name, self._bad = name, bad

    def bad(self, valid):
        return self._bad(valid) if callable(self._bad) else list(self._bad)


POS = Kind("positive int", [("str", "3"), ("float", 2.5), ("bool", True), ("zero", 0), ("negative", -1)])
NNI = Kind("int >= 0", [("str", "3"), ("float", 1.5), ("negative", -1)])
INT = Kind("int", [("str", "3"), ("float", 1.5), ("object", object())])
SEED = Kind("seed", [("str", "0"), ("float", 1.5), ("negative", -1), ("huge", 2**64)])
NNF = Kind("number >= 0", [("str", "x"), ("nan", NAN), ("inf", INF), ("negative", -1.0)])
POSF = Kind("number > 0", [("str", "x"), ("nan", NAN), ("inf", INF), ("zero", 0.0), ("negative", -1.0)])
# a gradient-clipping threshold: math.inf is allowed (it measures the norm and clips nothing)
CLIP = Kind("clip threshold", [("str", "x"), ("nan", NAN), ("zero", 0.0), ("negative", -1.0)])
FIN = Kind("finite number", [("str", "x"), ("nan", NAN), ("inf", INF)])
DROP = Kind("dropout", [("str", "abc"), ("nan", NAN), ("negative", -0.1), ("one", 1.0), ("1.5", 1.5)])
FRAC = Kind("fraction", [("str", "x"), ("nan", NAN), ("zero", 0.0), ("one", 1.0), ("negative", -0.5),
                         ("1.5", 1.5)])
PROB = Kind("probability", [("str", "x"), ("nan", NAN), ("negative", -0.5), ("two", 2.0)])
BOOL = Kind("bool", [("str", "yes"), ("int", 2), ("None", None)])
CHOICE = Kind("one of", [("unknown", "nonsense"), ("int", 3)])
STR = Kind("str", [("int", 3), ("object", object())])
CALL = Kind("callable", [("str", "f"), ("int", 3)])
MODULE = Kind("nn.Module", [("str", "model"), ("object", object())])
OBJ = Kind("object of the right class", [("str", "x"), ("object", object())])
SIZES = Kind("sizes", [("str", "64"), ("zero", (0,)), ("negative", (-4,)), ("float", (2.5,))])
NUMS = Kind("numbers", [("str", "x"), ("empty", ()), ("nan", (NAN,)), ("words", ("a",))])
TOKENS = Kind("token list", [("str-int", 3), ("object", object())])


def _reshape_bad(v, torch_only):
    out = [("str", "x"), ("object", object())]
    if torch_only:
        out.append(("list", v.tolist()))
    out.append(("one axis more", v.unsqueeze(0)))
    if v.ndim >= 1:
        out.append(("one axis less", v[0] if v.ndim > 1 else v[:1].reshape(())))
    return out


def T(dtype=None, *, torch_only=True, finite=False):
    """A tensor argument: wrong types, one axis more or less, a wrong dtype, NaN if ``finite``."""

    def bad(v):
        out = _reshape_bad(v, torch_only)
        if dtype == "float":
            out.append(("int dtype", torch.ones(v.shape, dtype=torch.long)))
        elif dtype == "long":
            out.append(("float dtype", v.float() + 0.5))
        if finite and v.is_floating_point():
            out += [("nan", torch.full_like(v, NAN)), ("inf", torch.full_like(v, INF))]
        return out

    return Kind(f"tensor {dtype or ''}", bad)


def ARR(*, finite=True):
    """An array-like argument (tensor, array or list): wrong types, one axis more or less, NaN/inf."""

    def bad(v):
        a = np.asarray(v.detach() if hasattr(v, "detach") else v, dtype=float)
        out = [("str", "x"), ("object", object()), ("one axis more", a[None]),
               ("one axis less", a[0] if a.ndim > 1 else a[:1].reshape(()))]
        if finite:
            out += [("nan", np.full_like(a, NAN)), ("inf", np.full_like(a, INF))]
        return out

    return Kind("array", bad)


def BAD(*pairs):
    """Hand-picked bad values for one argument."""
    return Kind("custom", list(pairs))


# ---------------------------------------------------------------------------------- valid values
def f(*shape):
    return torch.randn(*shape)


def ids(vocab, *shape):
    return torch.randint(0, vocab, shape)


def square_adj(n=5):
    A = (torch.rand(n, n) < 0.5).float()
    A = ((A + A.T) > 0).float()
    A.fill_diagonal_(0)
    return A


def small_vocab():
    return d2l.Vocab(list("abcdefgh") * 2)


def bert_vocab():
    return d2l.Vocab("a b c d e f g h".split() * 3, reserved=d2l.BERT_RESERVED)


def tiny_bert():
    return d2l.BERTModel(vocab_size=12, num_hiddens=8, num_heads=2, ffn_num_hiddens=16, num_layers=1, max_len=16)


def tiny_seq2seq():
    enc = d2l.GRUEncoder(vocab_size=10, embed_size=4, num_hiddens=8)
    dec = d2l.GRUDecoder(vocab_size=10, embed_size=4, num_hiddens=8)
    return d2l.EncoderDecoder(enc, dec)


def graph_data():
    return d2l.sbm_citation(num_classes=2, nodes_per_class=10, num_features=8, labels_per_class=2, num_val=4)


def fitted(cls, X, y, **kw):
    return cls(**kw).fit(X, y)


def clf_data():
    X = torch.randn(20, 2)
    return X, (X[:, 0] > 0).long()


# ---------------------------------------------------------------------------------------- entries

def step_scheduler():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    return torch.optim.lr_scheduler.StepLR(opt, step_size=1)


def tiny_pretrain_loader():
    data = d2l.pretrain_data([[["a", "b"], ["c", "d"], ["e", "a"]]] * 2, bert_vocab(), max_len=12, seed=0)
    return d2l.tensor_loader(*data.tensors(), batch_size=2)


class E:
    """One registry entry.

    ``call``: ``() -> kwargs`` of a valid call (fresh values on every call); ``kinds``: the kind of
    each argument; ``forward``/``methods``: ``{method: (obj -> kwargs, kinds)}`` for the object the
    call returns (``"__call__"`` is ``forward``); ``extra``: ``[(label, arg, kwargs-patch)]``
    bad calls that need the other arguments (an index >= the size, a mismatched length).
    """

    def __init__(self, call=dict, kinds=None, *, methods=None, extra=(), args=None, note=""):
        self.call, self.kinds, self.methods = call, kinds or {}, methods or {}
        self.extra, self.args, self.note = list(extra), args, note


def fwd(make, kinds):
    return {"__call__": (make, kinds)}


_ids_T = T("long")
_f_T = T("float")

REGISTRY: dict[str, E] = {
    # ----------------------------------------------------------------------------- attention
    "AdditiveAttention": E(lambda: dict(query_size=4, key_size=3, num_hiddens=8, dropout=0.1),
                           dict(query_size=POS, key_size=POS, num_hiddens=POS, dropout=DROP),
                           methods=fwd(lambda m: dict(queries=f(2, 3, 4), keys=f(2, 5, 3), values=f(2, 5, 6)),
                                       dict(queries=_f_T, keys=_f_T, values=_f_T))),
    "DotProductAttention": E(lambda: dict(dropout=0.1), dict(dropout=DROP),
                             methods=fwd(lambda m: dict(queries=f(2, 3, 4), keys=f(2, 5, 4), values=f(2, 5, 6),
                                                        valid_lens=torch.tensor([2, 5])),
                                         dict(queries=T(torch_only=True), keys=BAD(("str", "x"), ("list", [[1.0]])),
                                              values=BAD(("str", "x")), valid_lens=BAD(("str", "x"),
                                                                                       ("wrong shape", torch.ones(3)),
                                                                                       ("float dtype",
                                                                                        torch.tensor([2.5, 1.0])))))),
    "MultiHeadAttention": E(lambda: dict(num_hiddens=8, num_heads=2, dropout=0.1, bias=False),
                            dict(num_hiddens=POS, num_heads=POS, dropout=DROP, bias=BOOL),
                            methods=fwd(lambda m: dict(queries=f(2, 3, 8), keys=f(2, 5, 8), values=f(2, 5, 8)),
                                        dict(queries=_f_T, keys=_f_T, values=_f_T)),
                            extra=[("heads do not divide", "num_heads", dict(num_heads=3)),
                                   ("query_size zero", "query_size", dict(query_size=0))]),
    "PositionalEncoding": E(lambda: dict(num_hiddens=8, dropout=0.1, max_len=20),
                            dict(num_hiddens=POS, dropout=DROP, max_len=POS),
                            methods=fwd(lambda m: dict(X=f(2, 5, 8), offset=0),
                                        dict(X=_f_T, offset=NNI))),
    "attention_explorer": E(lambda: dict(weights=torch.softmax(f(1, 2, 3, 4), -1), src_tokens=list("abcd"),
                                         tgt_tokens=list("xyz"), title="t"),
                            dict(weights=BAD(("str", "x"), ("object", object()), ("5-D", torch.ones(1, 1, 1, 3, 4)),
                                             ("nan", torch.full((3, 4), NAN))),
                                 src_tokens=BAD(("int", 3), ("too short", ["a"])),
                                 tgt_tokens=BAD(("int", 3), ("too short", ["a"])), title=STR)),
    "causal_valid_lens": E(lambda: dict(batch_size=2, num_queries=3, offset=0),
                           dict(batch_size=POS, num_queries=POS, offset=NNI)),
    "masked_softmax": E(lambda: dict(scores=f(2, 3, 4), valid_lens=torch.tensor([1, 4])),
                        dict(scores=BAD(("str", "x"), ("list", [[[1.0]]]), ("2-D", torch.ones(3, 4)),
                                        ("int dtype", torch.ones(2, 3, 4, dtype=torch.long))),
                             valid_lens=BAD(("str", "x"), ("wrong shape", torch.ones(3)),
                                            ("float dtype", torch.tensor([1.5, 2.0]))))),
    "sinusoidal_encoding": E(lambda: dict(max_len=10, num_hiddens=8), dict(max_len=POS, num_hiddens=POS)),
    # ----------------------------------------------------------------------------- autoencoders
    "Autoencoder": E(lambda: dict(num_inputs=16, num_hiddens=(8,), latent_dim=2, activation="relu",
                                  output="sigmoid"),
                     dict(num_inputs=POS, num_hiddens=SIZES, latent_dim=POS, activation=CHOICE, output=CHOICE),
                     methods={"__call__": (lambda m: dict(X=f(3, 16)),
                                           dict(X=BAD(("str", "x"), ("list", [[0.0]]),
                                                      ("wrong width", torch.ones(3, 5)),
                                                      ("int dtype", torch.ones(3, 16, dtype=torch.long))))),
                              "decode": (lambda m: dict(Z=f(3, 2)), dict(Z=BAD(("str", "x"), ("wrong width",
                                                                                               torch.ones(3, 5)))))}),
    "VAE": E(lambda: dict(num_inputs=16, num_hiddens=(8,), latent_dim=2, activation="relu"),
             dict(num_inputs=POS, num_hiddens=SIZES, latent_dim=POS, activation=CHOICE),
             methods={"__call__": (lambda m: dict(X=f(3, 16)), dict(X=BAD(("str", "x"),
                                                                         ("wrong width", torch.ones(3, 5))))),
                      "decode": (lambda m: dict(Z=f(3, 2)), dict(Z=BAD(("str", "x"),
                                                                       ("wrong width", torch.ones(3, 5)))))}),
    "VAEOutput": E(lambda: dict(logits=f(2, 4), mu=f(2, 2), logvar=f(2, 2), z=f(2, 2)),
                   note="a NamedTuple the VAE returns; its fields are checked where they are used (elbo_loss)"),
    "corrupt": E(lambda: dict(X=torch.rand(2, 1, 8, 8), kind="gaussian", amount=0.1, seed=0, return_mask=False),
                 dict(X=T("float"), kind=CHOICE, amount=NNF, seed=SEED, return_mask=BOOL)),
    "elbo_loss": E(lambda: dict(output=d2l.VAE(num_inputs=16, num_hiddens=(8,), latent_dim=2)(torch.rand(3, 16)),
                                X=torch.rand(3, 16), beta=1.0, return_terms=False),
                   # no value check on X: a loss runs every step and must not sync the device
                   dict(output=OBJ, X=BAD(("str", "x"), ("wrong width", torch.rand(3, 5)),
                                          ("int dtype", torch.ones(3, 16, dtype=torch.long))),
                        beta=NNF, return_terms=BOOL)),
    "gaussian_kl": E(lambda: dict(mu=f(3, 2), logvar=f(3, 2)),
                     dict(mu=T("float"), logvar=BAD(("str", "x"), ("wrong shape", torch.ones(3, 5))))),
    "watermark_mark": E(lambda: dict(size=11), dict(size=POS)),
    # ----------------------------------------------------------------------------- bayes
    "GaussianNaiveBayes": E(lambda: dict(var_smoothing=1e-9, priors=None),
                            dict(var_smoothing=NNF, priors=BAD(("str", "x"), ("negative", [-0.5, 1.5]),
                                                               ("not summing to one", [0.2, 0.2]))),
                            methods={"fit": (lambda m: dict(X=clf_data()[0], y=clf_data()[1]),
                                             dict(X=ARR(), y=BAD(("wrong length", [0, 1])))),
                                     "predict": (lambda m: dict(X=f(4, 2)) if m.fit(*clf_data()) else None,
                                                 dict(X=ARR()))}),
    "MultinomialNaiveBayes": E(lambda: dict(alpha=1.0, priors=None),
                               dict(alpha=POSF, priors=BAD(("str", "x"), ("negative", [-0.5, 1.5]))),
                               methods={"fit": (lambda m: dict(X=torch.randint(0, 3, (10, 4)).float(),
                                                               y=torch.arange(10) % 2),
                                                dict(X=BAD(("str", "x"), ("negative", -np.ones((10, 4))),
                                                           ("nan", np.full((10, 4), NAN))),
                                                     y=BAD(("wrong length", [0, 1]))))}),
    "bayes_update": E(lambda: dict(prior=[0.5, 0.5], likelihood=[0.2, 0.9]),
                      dict(prior=BAD(("str", "x"), ("negative", [-0.5, 1.5]), ("nan", [NAN, 0.5]),
                                     ("2-D", [[0.5, 0.5]])),
                           likelihood=BAD(("str", "x"), ("above one", [0.2, 1.5]), ("nan", [NAN, 0.5]),
                                          ("wrong length", [0.2])))),
    "beta_posterior": E(lambda: dict(alpha=1.0, beta=1.0, heads=3, tosses=10),
                        dict(alpha=POSF, beta=POSF, heads=NNI, tosses=NNI),
                        extra=[("heads > tosses", "heads", dict(heads=11))]),
    "gaussian_posterior": E(lambda: dict(prior_mean=0.0, prior_var=1.0, observations=[0.5, 1.0], noise_var=0.5),
                            dict(prior_mean=FIN, prior_var=POSF, observations=ARR(), noise_var=POSF)),
    # ----------------------------------------------------------------------------- bert
    "BERTClassifier": E(lambda: dict(bert=tiny_bert(), num_classes=2), dict(bert=MODULE, num_classes=POS)),
    "BERTEncoder": E(lambda: dict(vocab_size=12, num_hiddens=8, num_heads=2, ffn_num_hiddens=16, num_layers=1,
                                  dropout=0.1, max_len=16),
                     dict(vocab_size=POS, num_hiddens=POS, num_heads=POS, ffn_num_hiddens=POS, num_layers=POS,
                          dropout=DROP, max_len=POS),
                     methods=fwd(lambda m: dict(tokens=ids(12, 2, 6), segments=torch.zeros(2, 6, dtype=torch.long),
                                                valid_lens=torch.tensor([6, 4])),
                                 dict(tokens=_ids_T, segments=_ids_T,
                                      valid_lens=BAD(("str", "x"), ("wrong shape", torch.ones(5)))))),
    "BERTModel": E(lambda: dict(vocab_size=12, num_hiddens=8, num_heads=2, ffn_num_hiddens=16, num_layers=1,
                                dropout=0.1, max_len=16),
                   dict(vocab_size=POS, num_hiddens=POS, num_heads=POS, ffn_num_hiddens=POS, num_layers=POS,
                        dropout=DROP, max_len=POS),
                   methods=fwd(lambda m: dict(tokens=ids(12, 2, 6), segments=torch.zeros(2, 6, dtype=torch.long),
                                              valid_lens=torch.tensor([6, 4]), pred_positions=ids(6, 2, 2)),
                               dict(tokens=_ids_T, segments=_ids_T, pred_positions=_ids_T))),
    "MaskLM": E(lambda: dict(vocab_size=12, num_hiddens=8), dict(vocab_size=POS, num_hiddens=POS),
                methods=fwd(lambda m: dict(X=f(2, 6, 8), pred_positions=ids(6, 2, 2)),
                            dict(X=_f_T, pred_positions=_ids_T))),
    "NextSentencePred": E(lambda: dict(num_hiddens=8), dict(num_hiddens=POS),
                          methods=fwd(lambda m: dict(X=f(2, 8)), dict(X=_f_T))),
    "PretrainData": E(lambda: dict(tokens=ids(5, 2, 4), segments=ids(2, 2, 4), valid_lens=torch.tensor([4, 3]),
                                   pred_positions=ids(4, 2, 1), mlm_weights=torch.ones(2, 1),
                                   mlm_labels=ids(5, 2, 1), nsp_labels=ids(2, 2)),
                      note="a dataclass that pretrain_data fills; pretrain_loss checks a batch of it"),
    "get_tokens_and_segments": E(lambda: dict(tokens_a=["a", "b"], tokens_b=["c"]),
                                 dict(tokens_a=BAD(("empty", []), ("int", 3)), tokens_b=BAD(("int", 3)))),
    "mask_tokens": E(lambda: dict(tokens=["<cls>", "a", "b", "<sep>"], vocab=bert_vocab(), mask_prob=0.15,
                                  rng=random.Random(0)),
                     dict(tokens=BAD(("int", 3), ("only specials", ["<cls>", "<sep>"])), vocab=OBJ,
                          mask_prob=FRAC, rng=OBJ)),
    "pretrain_data": E(lambda: dict(documents=[[["a", "b"], ["c", "d"], ["e"]]], vocab=bert_vocab(), max_len=12,
                                    mask_prob=0.15, seed=0),
                       dict(documents=BAD(("int", 3), ("one sentence", [[["a"]]])),
                            vocab=BAD(("no reserved", d2l.Vocab(list("ab"))), ("str", "x")),
                            max_len=POS, mask_prob=FRAC, seed=SEED)),
    "pretrain_loss": E(lambda: dict(model=tiny_bert(), **dict(zip(
                           ["tokens", "segments", "valid_lens", "pred_positions", "mlm_weights", "mlm_labels",
                            "nsp_labels"],
                           [ids(12, 2, 6), torch.zeros(2, 6, dtype=torch.long), torch.tensor([6, 4]), ids(4, 2, 2),
                            torch.ones(2, 2), ids(12, 2, 2), ids(2, 2)]))),
                       dict(model=MODULE, tokens=_ids_T, mlm_weights=BAD(("str", "x"), ("int dtype", torch.ones(2, 2, dtype=torch.long))),
                            mlm_labels=BAD(("str", "x"), ("float dtype", torch.ones(2, 2))),
                            nsp_labels=BAD(("str", "x"), ("wrong shape", torch.ones(2, 2, dtype=torch.long))))),
    # ----------------------------------------------------------------------------- callbacks, training
    "Callback": E(),
    "EarlyStopping": E(lambda: dict(monitor="val_loss", patience=3, min_delta=0.0, mode="min", restore_best=True),
                       dict(monitor=STR, patience=POS, min_delta=NNF, mode=CHOICE, restore_best=BOOL)),
    "LivePlot": E(lambda: dict(every=1), dict(every=POS)),
    "ProgressBar": E(),
    "Summary": E(),
    "default_callbacks": E(),
    "Trainer": E(lambda: dict(max_epochs=1, device="cpu", metrics=None, callbacks=[], grad_clip=None,
                              channels_last=False),
                 dict(max_epochs=POS, device=BAD(("unknown", "nonsense"), ("int", 3)),
                      metrics=BAD(("str", "x"), ("list", [1])), callbacks=BAD(("str", "x"), ("ints", [1])),
                      grad_clip=CLIP, channels_last=BAD(("str", "yes"), ("int", 2)))),
    "accuracy": E(lambda: dict(y_hat=f(4, 3), y=ids(3, 4)),
                  dict(y_hat=BAD(("str", "x"), ("0-D", torch.tensor(1.0))),
                       y=BAD(("str", "x"), ("wrong length", ids(3, 5))))),
    "uses_channels_last": E(lambda: dict(model=torch.nn.Linear(2, 2), device="cpu"),
                            dict(model=MODULE, device=BAD(("int", 3), ("unknown", "nonsense")))),
    # ----------------------------------------------------------------------------- cnn
    "BatchNorm": E(lambda: dict(num_features=3, num_dims=4, eps=1e-5, momentum=0.1),
                   dict(num_features=POS, num_dims=BAD(("three", 3), ("str", "4")), eps=POSF, momentum=PROB),
                   methods=fwd(lambda m: dict(X=f(2, 3, 4, 4)), dict(X=_f_T))),
    "Inception": E(lambda: dict(in_channels=3, c1=2, c2=(2, 3), c3=(2, 3), c4=2),
                   dict(in_channels=POS, c1=POS, c2=BAD(("one", (2,)), ("zero", (0, 2)), ("str", "ab")),
                        c3=BAD(("one", (2,)), ("negative", (2, -1))), c4=POS),
                   methods=fwd(lambda m: dict(X=f(2, 3, 8, 8)), dict(X=_f_T))),
    "LeNet": E(lambda: dict(in_channels=1, num_classes=10, image_size=28),
               dict(in_channels=POS, num_classes=POS, image_size=POS),
               methods=fwd(lambda m: dict(X=f(2, 1, 28, 28)),
                           dict(X=BAD(("str", "x"), ("list", [[1.0]]), ("3-D", torch.ones(1, 28, 28)),
                                      ("int dtype", torch.ones(2, 1, 28, 28, dtype=torch.long)),
                                      ("wrong size", torch.ones(2, 1, 20, 20))))),
               extra=[("image_size too small", "image_size", dict(image_size=8))]),
    "NiNBlock": E(lambda: dict(in_channels=3, out_channels=4, kernel_size=3, stride=1, padding=0),
                  dict(in_channels=POS, out_channels=POS, kernel_size=POS, stride=POS, padding=NNI),
                  methods=fwd(lambda m: dict(X=f(2, 3, 8, 8)), dict(X=_f_T))),
    "Residual": E(lambda: dict(in_channels=3, out_channels=4, stride=1, skip=True),
                  dict(in_channels=POS, out_channels=POS, stride=POS, skip=BOOL),
                  methods=fwd(lambda m: dict(X=f(2, 3, 8, 8)), dict(X=_f_T))),
    "VGGBlock": E(lambda: dict(num_convs=1, in_channels=3, out_channels=4),
                  dict(num_convs=POS, in_channels=POS, out_channels=POS),
                  methods=fwd(lambda m: dict(X=f(2, 3, 8, 8)), dict(X=_f_T))),
    "batch_norm": E(lambda: dict(X=f(4, 3), gamma=torch.ones(3), beta=torch.zeros(3), moving_mean=torch.zeros(3),
                                 moving_var=torch.ones(3), eps=1e-5, momentum=0.1, training=True),
                    dict(X=BAD(("str", "x"), ("3-D", torch.ones(2, 3, 4)), ("int dtype", torch.ones(4, 3,
                                                                                                   dtype=torch.long))),
                         gamma=BAD(("str", "x"), ("wrong size", torch.ones(4))),
                         beta=BAD(("str", "x"), ("wrong size", torch.ones(4))),
                         moving_mean=BAD(("str", "x"), ("wrong size", torch.ones(4))),
                         moving_var=BAD(("str", "x"), ("wrong size", torch.ones(4))),
                         eps=POSF, momentum=PROB, training=BOOL)),
    "count_parameters": E(lambda: dict(model=torch.nn.Linear(2, 2)), dict(model=MODULE)),
    "small_resnet": E(lambda: dict(in_channels=1, num_classes=3, channels=(4, 8), blocks_per_stage=1, skip=True),
                      dict(in_channels=POS, num_classes=POS, channels=BAD(("str", "x"), ("empty", ()), ("zero", (0,))),
                           blocks_per_stage=POS, skip=BOOL),
                      methods=fwd(lambda m: dict(X=f(2, 1, 8, 8)), dict(X=_f_T))),
    # ----------------------------------------------------------------------------- data
    "TensorSplit": E(lambda: dict(X_train=f(4, 2), y_train=ids(2, 4), X_test=f(2, 2), y_test=ids(2, 2),
                                  classes=("a", "b")),
                     note="a dataclass that load_images fills"),
    "load_images": E(lambda: dict(name="digits8", test_fraction=0.2, flatten=False, seed=0),
                     dict(name=CHOICE, test_fraction=FRAC, flatten=BOOL, seed=SEED,
                          root=BAD(("int", 3), ("object", object())))),
    "make_loader": E(lambda: dict(X=f(6, 2), y=ids(2, 6), batch_size=2, shuffle=True, num_workers=0, seed=0),
                     dict(X=BAD(("str", "x"), ("list", [[1.0]]), ("0-D", torch.tensor(1.0))),
                          y=BAD(("str", "x"), ("wrong length", ids(2, 5))), batch_size=POS, shuffle=BOOL,
                          num_workers=NNI, seed=SEED)),
    "synthetic_regression": E(lambda: dict(w=[1.0, -2.0], b=0.5, num_examples=10, noise=0.01, seed=0),
                              dict(w=BAD(("str", "x"), ("nan", [NAN, 1.0]), ("2-D", [[1.0]]), ("empty", [])),
                                   b=FIN, num_examples=POS, noise=NNF, seed=SEED)),
    "tensor_loader": E(lambda: dict(batch_size=2, shuffle=True, num_workers=0, seed=0),
                       dict(batch_size=POS, shuffle=BOOL, num_workers=NNI, seed=SEED),
                       args=lambda: (f(6, 2), ids(2, 6)), note="positional *tensors checked in test_tensor_loader"),
    "toy_2d": E(lambda: dict(name="moons", num_examples=20, noise=0.1, seed=0),
                dict(name=CHOICE, num_examples=POS, noise=NNF, seed=SEED)),
    # ----------------------------------------------------------------------------- device, results, seeds
    "get_device": E(lambda: dict(name="cpu"), dict(name=BAD(("unknown", "nonsense"), ("int", 3)))),
    "to_device": E(lambda: dict(batch=(f(2), [f(1)]), device=torch.device("cpu")),
                   dict(device=BAD(("unknown", "nonsense"), ("int", 3.5), ("object", object())))),
    "report": E(lambda: dict(loss=0.5), dict(loss=BAD(("str", "x"), ("nan", NAN),  # inf: "never converged"
                                                     ("tensor of two", torch.ones(2))))),
    "set_seed": E(lambda: dict(seed=0), dict(seed=SEED)),
    # ----------------------------------------------------------------------------- gan
    "Coverage": E(lambda: dict(counts=torch.ones(3), num_covered=3, high_quality=1.0),
                  note="a NamedTuple that mode_coverage returns"),
    "GANHistory": E(lambda: dict(d_loss=[1.0], g_loss=[1.0], d_real=[0.5], d_fake=[0.5]),
                    note="a dataclass that train_gan fills"),
    "discriminator_loss": E(lambda: dict(real_logits=f(4), fake_logits=f(4)),
                            dict(real_logits=T("float"), fake_logits=T("float"))),
    "generator_loss": E(lambda: dict(fake_logits=f(4), kind="non_saturating"),
                        dict(fake_logits=T("float"), kind=CHOICE)),
    "mlp_discriminator": E(lambda: dict(num_inputs=2, num_hiddens=8, num_layers=2, negative_slope=0.2, dropout=0.1),
                           dict(num_inputs=POS, num_hiddens=POS, num_layers=POS, negative_slope=NNF, dropout=DROP)),
    "mlp_generator": E(lambda: dict(latent_dim=2, num_outputs=2, num_hiddens=8, num_layers=2, out_activation=None),
                       dict(latent_dim=POS, num_outputs=POS, num_hiddens=POS, num_layers=POS,
                            out_activation=BAD(("unknown", "nonsense"), ("int", 3)))),
    "mode_coverage": E(lambda: dict(samples=f(40, 2), centers=d2l.ring_centers(4), threshold=0.5, min_count=1),
                       dict(samples=ARR(), centers=ARR(), threshold=POSF, min_count=POS),
                       extra=[("centers of another width", "centers", dict(centers=torch.zeros(4, 3)))]),
    "ring_centers": E(lambda: dict(num_modes=4, radius=2.0), dict(num_modes=POS, radius=POSF)),
    "ring_of_gaussians": E(lambda: dict(num_examples=20, num_modes=4, radius=2.0, std=0.05, seed=0,
                                        return_modes=False),
                           dict(num_examples=POS, num_modes=POS, radius=POSF, std=NNF, seed=SEED,
                                return_modes=BOOL)),
    "train_gan": E(lambda: dict(generator=d2l.mlp_generator(latent_dim=2, num_outputs=2, num_hiddens=4),
                                discriminator=d2l.mlp_discriminator(num_inputs=2, num_hiddens=4),
                                X=f(16, 2), latent_dim=2, num_steps=2, batch_size=4, lr_g=1e-3, lr_d=1e-3,
                                betas=(0.5, 0.999), d_steps=1, g_steps=1, loss="non_saturating",
                                snapshot_every=None, num_snapshot=4, device="cpu", seed=0),
                   dict(generator=MODULE, discriminator=MODULE, X=T("float", finite=True), latent_dim=POS,
                        num_steps=POS, batch_size=POS, lr_g=POSF, lr_d=POSF,
                        betas=BAD(("str", "x"), ("one", (0.5,)), ("out of range", (0.5, 1.5))),
                        d_steps=POS, g_steps=POS, loss=CHOICE, snapshot_every=POS, num_snapshot=POS,
                        device=BAD(("unknown", "nonsense")), seed=SEED)),
    # ----------------------------------------------------------------------------- graphs
    "GAT": E(lambda: dict(num_inputs=4, num_hiddens=4, num_outputs=2, num_heads=2, dropout=0.5),
             dict(num_inputs=POS, num_hiddens=POS, num_outputs=POS, num_heads=POS, dropout=DROP),
             methods=fwd(lambda m: dict(X=f(5, 4), A=square_adj()), dict(X=_f_T, A=T()))),
    "GATLayer": E(lambda: dict(num_inputs=4, num_outputs=2, num_heads=1, concat=True, dropout=0.0, negative_slope=0.2),
                  dict(num_inputs=POS, num_outputs=POS, num_heads=POS, concat=BOOL, dropout=DROP, negative_slope=NNF),
                  methods=fwd(lambda m: dict(X=f(5, 4), A=square_adj()), dict(X=_f_T, A=T()))),
    "GCN": E(lambda: dict(num_inputs=4, num_hiddens=4, num_outputs=2, dropout=0.5),
             dict(num_inputs=POS, num_hiddens=POS, num_outputs=POS, dropout=DROP),
             methods=fwd(lambda m: dict(X=f(5, 4), A=square_adj()), dict(X=_f_T, A=T()))),
    "GCNLayer": E(lambda: dict(num_inputs=4, num_outputs=2, bias=True),
                  dict(num_inputs=POS, num_outputs=POS, bias=BOOL),
                  methods=fwd(lambda m: dict(X=f(5, 4), A_hat=square_adj()), dict(X=_f_T, A_hat=T()))),
    "GraphData": E(lambda: dict(X=f(3, 2), y=ids(2, 3), A=square_adj(3), train_mask=torch.ones(3, dtype=torch.bool),
                                val_mask=torch.ones(3, dtype=torch.bool), test_mask=torch.ones(3, dtype=torch.bool)),
                   note="a dataclass that sbm_citation fills; fit_nodes and node_accuracy check it"),
    "GraphSAGE": E(lambda: dict(num_inputs=4, num_hiddens=4, num_outputs=2, num_samples=3, dropout=0.5),
                   dict(num_inputs=POS, num_hiddens=POS, num_outputs=POS, num_samples=POS, dropout=DROP),
                   methods=fwd(lambda m: dict(X=f(5, 4), A=square_adj()), dict(X=_f_T, A=T()))),
    "SAGELayer": E(lambda: dict(num_inputs=4, num_outputs=2), dict(num_inputs=POS, num_outputs=POS),
                   methods=fwd(lambda m: dict(X=f(5, 4), A=square_adj(), num_samples=3),
                               dict(X=_f_T, A=T(), num_samples=POS))),
    "adjacency_from_edge_index": E(lambda: dict(edge_index=torch.tensor([[0, 1], [1, 2]]), num_nodes=3,
                                                symmetric=False),
                                   dict(edge_index=BAD(("str", "x"), ("float", torch.ones(2, 2)),
                                                       ("3 rows", torch.zeros(3, 2, dtype=torch.long)),
                                                       ("negative", torch.tensor([[0, -1], [1, 2]]))),
                                        num_nodes=POS, symmetric=BOOL),
                                   extra=[("id >= num_nodes", "edge_index", dict(num_nodes=2))]),
    "adjacency_from_networkx": E(lambda: dict(G=__import__("networkx").path_graph(3), weight=None),
                                 dict(G=BAD(("str", "x"), ("object", object())), weight=BAD(("int", 3)))),
    "aggregate": E(lambda: dict(X=f(3, 2), edge_index=torch.tensor([[0, 1], [1, 2]]), reduce="sum"),
                   dict(X=BAD(("str", "x"), ("1-D", torch.ones(3)), ("int dtype", torch.ones(3, 2, dtype=torch.long))),
                        edge_index=BAD(("str", "x"), ("float", torch.ones(2, 2)),
                                       ("out of range", torch.tensor([[0, 5], [1, 2]]))),
                        reduce=CHOICE)),
    "check_adjacency": E(lambda: dict(A=square_adj(), num_nodes=5),
                         dict(A=BAD(("str", "x"), ("not square", torch.ones(2, 3)), ("negative", -torch.ones(2, 2)),
                                    ("nan", torch.full((2, 2), NAN))),
                              num_nodes=POS)),
    "check_edge_index": E(lambda: dict(edge_index=torch.tensor([[0, 1], [1, 2]]), num_nodes=3),
                          dict(edge_index=BAD(("str", "x"), ("float", torch.ones(2, 2)),
                                              ("negative", torch.tensor([[0, -1], [1, 2]]))),
                               num_nodes=POS)),
    "edge_index_from_adjacency": E(lambda: dict(A=square_adj()),
                                   dict(A=BAD(("str", "x"), ("not square", torch.ones(2, 3))))),
    "fit_nodes": E(lambda: dict(model=d2l.GCN(num_inputs=8, num_hiddens=4, num_outputs=2), data=graph_data(),
                                lr=0.01, weight_decay=5e-4, max_epochs=2),
                   dict(model=MODULE, data=OBJ, lr=POSF, weight_decay=NNF, max_epochs=POS)),
    "laplacian": E(lambda: dict(A=square_adj(), normalized=False),
                   dict(A=BAD(("str", "x"), ("not square", torch.ones(2, 3))), normalized=BOOL)),
    "node_accuracy": E(lambda: dict(model=d2l.GCN(num_inputs=8, num_hiddens=4, num_outputs=2), data=graph_data(),
                                    mask=torch.ones(20, dtype=torch.bool)),
                       dict(model=MODULE, data=OBJ, mask=BAD(("str", "x"), ("wrong length",
                                                                         torch.ones(3, dtype=torch.bool)),
                                                             ("float", torch.ones(20))))),
    "normalized_adjacency": E(lambda: dict(A=square_adj(), self_loops=True),
                              dict(A=BAD(("str", "x"), ("not square", torch.ones(2, 3))), self_loops=BOOL)),
    "sample_neighbors": E(lambda: dict(A=square_adj(), num_samples=3, generator=torch.Generator().manual_seed(0)),
                          dict(A=BAD(("str", "x"), ("not square", torch.ones(2, 3))), num_samples=POS,
                               generator=BAD(("int", 3), ("str", "x")))),
    "sbm_citation": E(lambda: dict(num_classes=2, nodes_per_class=10, p_in=0.3, p_out=0.05, num_features=8,
                                   words_per_node=3, topic_share=0.3, labels_per_class=2, num_val=4, seed=0),
                      dict(num_classes=POS, nodes_per_class=POS, p_in=FRAC, p_out=FRAC, num_features=POS,
                           words_per_node=POS, topic_share=FRAC, labels_per_class=POS, num_val=POS, seed=SEED)),
    # ----------------------------------------------------------------------------- hmm
    "CategoricalHMM": E(lambda: dict(startprob=[0.6, 0.4], transmat=[[0.7, 0.3], [0.4, 0.6]],
                                     emissionprob=[[0.5, 0.5], [0.1, 0.9]]),
                        dict(startprob=BAD(("str", "x"), ("negative", [-0.5, 1.5]), ("nan", [NAN, 0.5]),
                                           ("2-D", [[0.6, 0.4]])),
                             transmat=BAD(("str", "x"), ("rows not summing to one", [[0.5, 0.1], [0.4, 0.6]]),
                                          ("wrong shape", [[1.0]])),
                             emissionprob=BAD(("str", "x"), ("nan", [[NAN, 0.5], [0.1, 0.9]]))),
                        methods={"viterbi": (lambda m: dict(x=[0, 1, 1]),
                                             dict(x=BAD(("str", "x"), ("symbol too big", [0, 5]),
                                                        ("negative", [0, -1]), ("float", [0.5, 1.0]),
                                                        ("2-D", [[0, 1]])))),
                                 "sample": (lambda m: dict(seq_len=3, seed=0), dict(seq_len=POS, seed=SEED)),
                                 "fit": (lambda m: dict(x=[0, 1, 1, 0], n_iter=2, tol=1e-6),
                                         dict(n_iter=POS, tol=NNF))}),
    # ----------------------------------------------------------------------------- optimization
    "ill_conditioned": E(lambda: dict(x1=1.0, x2=2.0), dict(x1=BAD(("str", "x")), x2=BAD(("str", "x"))),
                         note="a formula: any numbers or tensors"),
    "rosenbrock": E(lambda: dict(x1=1.0, x2=2.0, a=1.0, b=100.0),
                    dict(x1=BAD(("str", "x")), x2=BAD(("str", "x")), a=FIN, b=FIN)),
    "trace_path": E(lambda: dict(f=d2l.rosenbrock, x0=(0.0, 0.0),
                                 make_optimizer=lambda p: torch.optim.SGD(p, lr=1e-3), num_steps=2),
                    dict(f=CALL, x0=BAD(("str", "xy"), ("three", (0.0, 0.0, 0.0)), ("nan", (NAN, 0.0))),
                         make_optimizer=CALL, num_steps=POS)),
    # ----------------------------------------------------------------------------- plotting, widgets
    "figure": E(lambda: dict(nrows=1, ncols=2, figsize=(4, 2)),
                dict(nrows=POS, ncols=POS, figsize=BAD(("str", "x"), ("one", (4,)), ("negative", (-1, 2))))),
    "live_frontend": E(),
    "use_style": E(),
    "plot_contour": E(lambda: dict(f=d2l.rosenbrock, xlim=(-2, 2), ylim=(-1, 3), resolution=10, levels=5,
                                   paths={"p": torch.zeros(3, 2)}),
                      dict(f=CALL, xlim=BAD(("str", "x"), ("reversed", (2, -2)), ("nan", (NAN, 1))),
                           ylim=BAD(("one", (1,)),), resolution=POS, levels=BAD(("str", "x"), ("zero", 0)),
                           paths=BAD(("list", [1]), ("bad path", {"p": torch.zeros(3, 3)})))),
    "plot_curves": E(lambda: dict(ys={"a": [1.0, 2.0]}, x=[0, 1], logy=False),
                     dict(ys=BAD(("str", "x"), ("int", 3), ("empty", {})), x=BAD(("wrong length", [0, 1, 2]),),
                          logy=BOOL)),
    "plot_decision_boundary": E(lambda: dict(predict=lambda X: (X[:, 0] > 0).long(), X=f(10, 2),
                                             y=ids(2, 10), resolution=10, margin=0.5),
                                dict(predict=CALL, X=ARR(), y=BAD(("wrong length", ids(2, 3)),),
                                     resolution=POS, margin=NNF)),
    "plot_heatmap": E(lambda: dict(M=torch.rand(3, 4), xlabels=list("abcd"), ylabels=list("xyz"), colorbar=True),
                      dict(M=BAD(("str", "x"), ("1-D", torch.rand(4)), ("3-D", torch.rand(3, 4, 1))),  # NaN: blank
                           xlabels=BAD(("too short", ["a"]),), ylabels=BAD(("too short", ["a"]),),
                           colorbar=BOOL)),
    "plot_surface": E(lambda: dict(f=d2l.rosenbrock, xlim=(-2, 2), ylim=(-1, 3), resolution=10),
                      dict(f=CALL, xlim=BAD(("str", "x"), ("reversed", (2, -2))), ylim=BAD(("one", (1,)),),
                           resolution=POS)),
    "Explorer": E(lambda: dict(draw=lambda fig, a: None, fig=plt.figure(),
                               a=__import__("ipywidgets").IntSlider(value=0, min=0, max=2)),
                  dict(draw=CALL, fig=BAD(("str", "x"), ("object", object())))),
    # ----------------------------------------------------------------------------- rnn
    "NGramLM": E(lambda: dict(n=2, vocab_size=5, k=1.0), dict(n=POS, vocab_size=POS, k=POSF),
                 methods={"fit": (lambda m: dict(ids=[0, 1, 2, 3, 4, 1]),
                                  dict(ids=BAD(("str", "x"), ("float", [0.5, 1.5]), ("too big", [0, 9]),
                                               ("negative", [0, -1]), ("2-D", [[0, 1]])))),
                          "prob": (lambda m: dict(context=[1], token=2),
                                   dict(context=BAD(("int", 3),), token=BAD(("str", "a"), ("too big", 9),
                                                                            ("negative", -1))))}),
    "RNNLM": E(lambda: dict(vocab_size=10, num_hiddens=8, cell="gru", num_layers=2, embed_size=4, dropout=0.1),
               dict(vocab_size=POS, num_hiddens=POS, cell=CHOICE, num_layers=POS, embed_size=POS, dropout=DROP),
               methods=fwd(lambda m: dict(X=ids(10, 2, 5)), dict(X=_ids_T))),
    "SequenceClassifier": E(lambda: dict(vocab_size=10, num_classes=3, num_hiddens=8, cell="lstm", embed_size=4,
                                         forget_bias=3.0),
                            dict(vocab_size=POS, num_classes=POS, num_hiddens=POS, cell=CHOICE, embed_size=POS,
                                 forget_bias=FIN),
                            methods=fwd(lambda m: dict(X=ids(10, 2, 5)), dict(X=_ids_T))),
    "generate_text": E(lambda: dict(model=d2l.RNNLM(vocab_size=len(small_vocab()), num_hiddens=4), vocab=small_vocab(),
                               prefix="ab", num_tokens=3, mode="char", temperature=0.0, seed=0),
                  dict(model=MODULE, vocab=OBJ, prefix=BAD(("int", 3), ("empty", "")), num_tokens=POS, mode=CHOICE,
                       temperature=NNF, seed=SEED)),
    "perplexity": E(lambda: dict(model=d2l.RNNLM(vocab_size=10, num_hiddens=4),
                                 loader=[(ids(10, 2, 5), ids(10, 2, 5))], device="cpu"),
                    dict(model=MODULE, loader=BAD(("int", 3), ("empty", [])),
                         device=BAD(("unknown", "nonsense"), ("int", 3)))),
    "recall_task": E(lambda: dict(num_examples=5, seq_len=4, num_symbols=4, num_noise=4, seed=0),
                     dict(num_examples=POS, seq_len=POS, num_symbols=POS, num_noise=POS, seed=SEED)),
    "train_lm": E(lambda: dict(model=d2l.RNNLM(vocab_size=10, num_hiddens=4),
                               train_loader=[(ids(10, 2, 5), ids(10, 2, 5))], max_epochs=1, lr=0.01,
                               optimizer="adam", grad_clip=1.0, device="cpu"),
                  dict(model=MODULE, train_loader=BAD(("int", 3), ("empty", [])), max_epochs=POS, lr=POSF,
                       optimizer=CHOICE, grad_clip=CLIP, device=BAD(("unknown", "nonsense")))),
    # ----------------------------------------------------------------------------- seq2seq
    "BahdanauDecoder": E(lambda: dict(vocab_size=10, embed_size=4, num_hiddens=8, num_layers=2, dropout=0.1),
                         dict(vocab_size=POS, embed_size=POS, num_hiddens=POS, num_layers=POS, dropout=DROP),
                         methods={"__call__": (lambda m: dict(Y_in=ids(10, 2, 3),
                                                              state=(f(2, 5, 8), f(2, 2, 8), torch.tensor([5, 3]))),
                                               dict(Y_in=_ids_T)),
                                  "init_state": (lambda m: dict(enc_outputs=(f(2, 5, 8), f(2, 2, 8)),
                                                                X_len=torch.tensor([5, 3])),
                                                 dict(X_len=BAD(("str", "x"), ("wrong shape", torch.tensor([5, 3, 1])),
                                                                ("float", torch.tensor([2.5, 1.0])))))}),
    "Decoder": E(note="an abstract base class: subclasses define forward"),
    "Encoder": E(note="an abstract base class: subclasses define forward"),
    "EncoderDecoder": E(lambda: dict(encoder=d2l.GRUEncoder(vocab_size=10, embed_size=4, num_hiddens=8),
                                     decoder=d2l.GRUDecoder(vocab_size=10, embed_size=4, num_hiddens=8)),
                        dict(encoder=MODULE, decoder=MODULE),
                        methods=fwd(lambda m: dict(X=ids(10, 2, 5), X_len=torch.tensor([5, 3]), Y_in=ids(10, 2, 4)),
                                    dict(X=_ids_T, X_len=BAD(("str", "x"), ("wrong shape", torch.ones(3)),
                                                             ("float", torch.tensor([2.5, 1.0]))),
                                         Y_in=_ids_T))),
    "GRUDecoder": E(lambda: dict(vocab_size=10, embed_size=4, num_hiddens=8, num_layers=2, dropout=0.1),
                    dict(vocab_size=POS, embed_size=POS, num_hiddens=POS, num_layers=POS, dropout=DROP)),
    "GRUEncoder": E(lambda: dict(vocab_size=10, embed_size=4, num_hiddens=8, num_layers=2, dropout=0.1),
                    dict(vocab_size=POS, embed_size=POS, num_hiddens=POS, num_layers=POS, dropout=DROP),
                    methods=fwd(lambda m: dict(X=ids(10, 2, 5), X_len=torch.tensor([5, 3])),
                                dict(X=_ids_T, X_len=BAD(("str", "x"), ("wrong shape", torch.ones(3)))))),
    "beam_search": E(lambda: dict(model=tiny_seq2seq(), X=ids(10, 2, 5), X_len=torch.tensor([5, 3]), bos=1, eos=2,
                                  max_len=4, beam_size=2, length_penalty=0.75),
                     dict(model=MODULE, X=_ids_T, X_len=BAD(("str", "x"), ("zero", torch.tensor([0, 3])),
                                                            ("too long", torch.tensor([9, 3]))),
                          bos=NNI, eos=NNI, max_len=POS, beam_size=POS, length_penalty=NNF),
                     extra=[("bos >= vocab", "bos", dict(bos=10)), ("eos >= vocab", "eos", dict(eos=99))]),
    "bleu": E(lambda: dict(pred_tokens=list("abcd"), label_tokens=list("abcd"), k=2),
              dict(pred_tokens=TOKENS, label_tokens=TOKENS, k=POS)),
    "exact_match": E(lambda: dict(preds=["ab", "c"], labels=["ab", "d"]),
                     dict(preds=BAD(("int", 3), ("wrong length", ["a"])), labels=BAD(("int", 3), ("empty", [])))),
    "greedy_decode": E(lambda: dict(model=tiny_seq2seq(), X=ids(10, 2, 5), X_len=torch.tensor([5, 3]), bos=1, eos=2,
                                    max_len=4),
                       dict(model=MODULE, X=_ids_T, X_len=BAD(("str", "x"), ("zero", torch.tensor([0, 3]))),
                            bos=NNI, eos=NNI, max_len=POS),
                       extra=[("bos >= vocab", "bos", dict(bos=10))]),
    "sequence_loss": E(lambda: dict(logits=f(2, 4, 10), Y=ids(10, 2, 4), Y_len=torch.tensor([4, 2])),
                       dict(logits=_f_T, Y=_ids_T, Y_len=BAD(("str", "x"), ("wrong shape", torch.ones(3)),
                                                             ("float", torch.tensor([2.5, 1.0]))))),
    "teacher_inputs": E(lambda: dict(Y=ids(10, 2, 4), bos=1),
                        dict(Y=BAD(("str", "x"), ("1-D", ids(10, 4)), ("float", torch.ones(2, 4))), bos=NNI)),
    "train_seq2seq": E(lambda: dict(model=tiny_seq2seq(),
                                    train_loader=[(ids(10, 2, 5), torch.tensor([5, 3]), ids(10, 2, 4),
                                                   torch.tensor([4, 2]))],
                                    max_epochs=1, lr=0.01, bos=1, device="cpu", grad_clip=1.0),
                       dict(model=MODULE, train_loader=BAD(("int", 3), ("empty", [])), max_epochs=POS, lr=POSF,
                            bos=NNI, device=BAD(("unknown", "nonsense")), grad_clip=CLIP)),
    # ----------------------------------------------------------------------------- svm
    "KernelSVM": E(lambda: dict(kernel="rbf", C=1.0, gamma=1.0, degree=3, coef0=1.0, tol=1e-3, max_iter=100),
                   dict(kernel=CHOICE, C=POSF, gamma=POSF, degree=POS, coef0=FIN, tol=POSF, max_iter=POS),
                   methods={"fit": (lambda m: dict(X=clf_data()[0], y=clf_data()[1]),
                                    dict(X=ARR(), y=BAD(("wrong length", [0, 1]), ("one class", np.zeros(20)))))}),
    "LinearSVM": E(lambda: dict(C=1.0, lr=1.0, num_steps=10), dict(C=POSF, lr=POSF, num_steps=POS),
                   methods={"fit": (lambda m: dict(X=clf_data()[0], y=clf_data()[1]),
                                    dict(X=ARR(), y=BAD(("wrong length", [0, 1]), ("three classes",
                                                                                   np.arange(20) % 3))))}),
    "hinge_loss": E(lambda: dict(scores=[0.5, -1.0], y=[1, -1]),
                    dict(scores=ARR(), y=BAD(("not +-1", [0, 1]), ("wrong length", [1])))),
    "linear_kernel": E(lambda: dict(X=f(3, 2), Z=f(4, 2)), dict(X=ARR(), Z=ARR())),
    "plot_svm": E(lambda: dict(decision=lambda X: X[:, 0], X=f(10, 2), y=ids(2, 10), resolution=10, pad=0.5),
                  dict(decision=CALL, X=ARR(), y=BAD(("wrong length", ids(2, 3)),), resolution=POS, pad=NNF)),
    "polynomial_kernel": E(lambda: dict(X=f(3, 2), Z=f(4, 2), degree=2, gamma=1.0, coef0=1.0),
                           dict(X=ARR(), Z=ARR(), degree=POS, gamma=POSF, coef0=FIN)),
    "rbf_kernel": E(lambda: dict(X=f(3, 2), Z=f(4, 2), gamma=1.0), dict(X=ARR(), Z=ARR(), gamma=POSF)),
    # ----------------------------------------------------------------------------- text
    "Seq2SeqData": E(note="a dataclass that translation_data fills",
                     call=lambda: dict(**{k: getattr(_translation(), k) for k in (
                         "src_vocab", "tgt_vocab", "X_train", "X_len_train", "Y_train", "Y_len_train", "X_test",
                         "X_len_test", "Y_test", "Y_len_test", "pairs_train", "pairs_test", "mode")}),
                     methods={"loaders": (lambda d: dict(batch_size=2, seed=0), dict(batch_size=POS, seed=SEED)),
                              "encode_source": (lambda d: dict(text="ab", length=4),
                                                dict(text=STR, length=POS))}),
    "Vocab": E(lambda: dict(tokens=list("abcab"), min_freq=1, reserved=("<pad>", "<unk>")),
               dict(tokens=BAD(("int", 3), ("object", object())), min_freq=POS,
                    reserved=BAD(("str", "<pad>"), ("int", 3), ("ints", (1, 2)))),
               methods={"to_tokens": (lambda v: dict(indices=[0, 1]),
                                      dict(indices=BAD(("too big", 99), ("negative", -1), ("str", "a"),
                                                       ("float", 1.5))))}),
    "date_pairs": E(lambda: dict(num_examples=3, seed=0), dict(num_examples=POS, seed=SEED,
                                                                locales=BAD(("int", 3), ("unknown", ["xx_YY"])),
                                                                start=BAD(("str", "2000"), ("int", 3)),
                                                                end=BAD(("str", "2000"), ("before start",
                                                                                          __import__("datetime").date(
                                                                                              1900, 1, 1))))),
    "kjv_verses": E(),
    "lm_loader": E(lambda: dict(ids=list(range(30)), seq_len=4, batch_size=2, shuffle=True, seed=0),
                   dict(ids=BAD(("str", "x"), ("float", [0.5, 1.5]), ("2-D", [[0, 1]]), ("negative", [0, -1])),
                        seq_len=POS, batch_size=POS, shuffle=BOOL, seed=SEED)),
    "lm_windows": E(lambda: dict(ids=list(range(30)), seq_len=4),
                    dict(ids=BAD(("str", "x"), ("float", [0.5, 1.5]), ("2-D", [[0, 1]])), seq_len=POS),
                    extra=[("seq_len too long", "seq_len", dict(seq_len=40))]),
    "load_corpus": E(lambda: dict(name="kjv", max_chars=100), dict(name=CHOICE, max_chars=POS)),
    "pad_batch": E(lambda: dict(sequences=[[1, 2], [3]], length=3, pad=0, eos=None),
                   dict(sequences=BAD(("int", 3), ("strings", ["ab"])), length=POS, pad=NNI, eos=NNI)),
    "shakespeare_lines": E(),
    "sphinx_pairs": E(lambda: dict(lang="de"), dict(lang=CHOICE)),
    "tokenize": E(lambda: dict(text="a b", mode="word"), dict(text=STR, mode=CHOICE)),
    "translation_data": E(lambda: dict(pairs=[("ab", "ba"), ("cd", "dc"), ("ef", "fe"), ("gh", "hg")],
                                       num_examples=4, test_fraction=0.25, seed=0, mode="char", min_freq=1),
                          dict(pairs=BAD(("int", 3), ("str", "ab"), ("not pairs", [("a",)]), ("empty", [])),
                               num_examples=POS, test_fraction=FRAC, seed=SEED, mode=CHOICE, min_freq=POS)),
    # ----------------------------------------------------------------------------- transformer
    "AddNorm": E(lambda: dict(num_hiddens=8, dropout=0.1), dict(num_hiddens=POS, dropout=DROP),
                 methods=fwd(lambda m: dict(X=f(2, 3, 8), Y=f(2, 3, 8)),
                             dict(X=BAD(("str", "x"), ("wrong width", torch.ones(2, 3, 4))),
                                  Y=BAD(("str", "x"), ("wrong shape", torch.ones(2, 4, 8)))))),
    "PositionWiseFFN": E(lambda: dict(num_inputs=8, ffn_num_hiddens=16, num_outputs=8),
                         dict(num_inputs=POS, ffn_num_hiddens=POS, num_outputs=POS),
                         methods=fwd(lambda m: dict(X=f(2, 3, 8)),
                                     dict(X=BAD(("str", "x"), ("wrong width", torch.ones(2, 3, 4)),
                                                ("int dtype", torch.ones(2, 3, 8, dtype=torch.long)))))),
    "TransformerDecoder": E(lambda: dict(vocab_size=10, num_hiddens=8, num_heads=2, ffn_num_hiddens=16,
                                         num_layers=1, dropout=0.1, max_len=20, bias=False),
                            dict(vocab_size=POS, num_hiddens=POS, num_heads=POS, ffn_num_hiddens=POS,
                                 num_layers=POS, dropout=DROP, max_len=POS, bias=BOOL),
                            methods={"init_state": (lambda m: dict(enc_outputs=f(2, 5, 8), X_len=torch.tensor([5, 3])),
                                                    dict(enc_outputs=_f_T,
                                                         X_len=BAD(("str", "x"), ("wrong shape", torch.ones(3))))),
                                     "__call__": (lambda m: dict(Y_in=ids(10, 2, 4),
                                                                 state=m.init_state(f(2, 5, 8), torch.tensor([5, 3]))),
                                                  dict(Y_in=_ids_T, state=BAD(("str", "x"), ("empty", []))))}),
    "TransformerDecoderBlock": E(lambda: dict(num_hiddens=8, num_heads=2, ffn_num_hiddens=16, dropout=0.1,
                                              bias=False),
                                 dict(num_hiddens=POS, num_heads=POS, ffn_num_hiddens=POS, dropout=DROP, bias=BOOL),
                                 methods=fwd(lambda m: dict(X=f(2, 3, 8), enc_outputs=f(2, 5, 8),
                                                            enc_valid_lens=torch.tensor([5, 2]), cache=f(2, 2, 8)),
                                             dict(X=_f_T, enc_outputs=_f_T,
                                                  cache=BAD(("str", "x"), ("wrong width", torch.ones(2, 2, 4)))))),
    "TransformerEncoder": E(lambda: dict(vocab_size=10, num_hiddens=8, num_heads=2, ffn_num_hiddens=16, num_layers=1,
                                         dropout=0.1, max_len=20, bias=False),
                            dict(vocab_size=POS, num_hiddens=POS, num_heads=POS, ffn_num_hiddens=POS,
                                 num_layers=POS, dropout=DROP, max_len=POS, bias=BOOL),
                            methods=fwd(lambda m: dict(X=ids(10, 2, 5), valid_lens=torch.tensor([5, 3])),
                                        dict(X=_ids_T, valid_lens=BAD(("str", "x"), ("wrong shape", torch.ones(3)))))),
    "TransformerEncoderBlock": E(lambda: dict(num_hiddens=8, num_heads=2, ffn_num_hiddens=16, dropout=0.1,
                                              bias=False),
                                 dict(num_hiddens=POS, num_heads=POS, ffn_num_hiddens=POS, dropout=DROP, bias=BOOL),
                                 methods=fwd(lambda m: dict(X=f(2, 3, 8), valid_lens=torch.tensor([3, 1])),
                                             dict(X=_f_T, valid_lens=BAD(("str", "x"),
                                                                         ("wrong shape", torch.ones(3)))))),
    # ----------------------------------------------------------------------------- vision
    "Scenes": E(lambda: dict(images=f(1, 1, 8, 8), masks=torch.zeros(1, 8, 8, dtype=torch.long), boxes=[[]],
                             labels=[[]]),
                note="a dataclass that synthetic_scenes fills"),
    "add_noise": E(lambda: dict(X=torch.rand(2, 1, 4, 4), std=0.1, generator=None, clamp=(0.0, 1.0)),
                   dict(X=T("float"), std=NNF, generator=BAD(("int", 3),),
                        clamp=BAD(("str", "x"), ("one", (0.0,)), ("reversed", (1.0, 0.0)), ("nan", (NAN, 1.0))))),
    # an augmentation runs on every batch: shapes and dtypes only, no NaN scan (a device sync)
    "affine_transform": E(lambda: dict(X=torch.rand(2, 1, 4, 4), angles=torch.zeros(2), shifts=torch.zeros(2, 2)),
                          dict(X=T("float"), angles=BAD(("str", "x"), ("wrong length", torch.zeros(3))),
                               shifts=BAD(("str", "x"), ("wrong shape", torch.zeros(2, 3))))),
    "anchor_boxes": E(lambda: dict(height=2, width=3, sizes=[0.5, 0.25], ratios=[1.0, 2.0], stride=1.0),
                      dict(height=POS, width=POS, sizes=NUMS, ratios=NUMS, stride=POSF),
                      extra=[("size zero", "sizes", dict(sizes=[0.0])), ("ratio negative", "ratios",
                                                                         dict(ratios=[-1.0]))]),
    "assign_anchors": E(lambda: dict(anchors=torch.tensor([[0.0, 0, 1, 1], [0, 0, 2, 2]]),
                                     gt_boxes=torch.tensor([[0.0, 0, 1, 1]]), iou_threshold=0.5),
                        dict(anchors=T(finite=True), gt_boxes=T(finite=True), iou_threshold=PROB)),
    "average_precision": E(lambda: dict(scores=[0.9, 0.5, 0.1], hits=[1, 0, 1], num_objects=3),
                           dict(scores=BAD(("str", "x"), ("nan", [NAN, 0.5, 0.1]), ("2-D", [[0.9, 0.5, 0.1]]),
                                           ("empty", [])),
                                hits=BAD(("str", "x"), ("wrong length", [1, 0]), ("not 0/1", [2, 0, 1])),
                                num_objects=POS),
                           extra=[("fewer objects than hits", "num_objects", dict(num_objects=1))]),
    "box_center_to_corner": E(lambda: dict(boxes=torch.tensor([[1.0, 1, 2, 2]])), dict(boxes=T(finite=True))),
    "box_corner_to_center": E(lambda: dict(boxes=torch.tensor([[0.0, 0, 2, 2]])),
                              dict(boxes=BAD(("str", "x"), ("1-D", torch.ones(4)), ("3 columns", torch.ones(2, 3)),
                                             ("x2 < x1", torch.tensor([[2.0, 0, 0, 2]])),
                                             ("nan", torch.full((1, 4), NAN))))),
    "box_iou": E(lambda: dict(boxes1=torch.tensor([[0.0, 0, 2, 2]]), boxes2=torch.tensor([[1.0, 1, 3, 3]])),
                 dict(boxes1=T(finite=True), boxes2=T(finite=True))),
    "decode_offsets": E(lambda: dict(anchors=torch.tensor([[0.0, 0, 2, 2]]), offsets=torch.zeros(1, 4), sigma_xy=0.1,
                                     sigma_wh=0.2),
                        dict(anchors=T(finite=True), offsets=T("float", finite=True), sigma_xy=POSF, sigma_wh=POSF)),
    "encode_offsets": E(lambda: dict(anchors=torch.tensor([[0.0, 0, 2, 2]]), boxes=torch.tensor([[0.0, 0, 3, 2]]),
                                     sigma_xy=0.1, sigma_wh=0.2),
                        dict(anchors=T(finite=True), boxes=T(finite=True), sigma_xy=POSF, sigma_wh=POSF),
                        extra=[("zero width", "boxes", dict(boxes=torch.tensor([[1.0, 0, 1, 2]])))]),
    "multibox_targets": E(lambda: dict(anchors=torch.tensor([[0.0, 0, 2, 2], [0, 0, 4, 4]]),
                                       boxes=[torch.tensor([[0.0, 0, 2, 2]])], labels=[torch.tensor([1])],
                                       iou_threshold=0.5, sigma_xy=0.1, sigma_wh=0.2),
                          dict(anchors=T(finite=True),
                               boxes=BAD(("str", "x"), ("tensor", torch.ones(1, 4)), ("bad box", [torch.ones(1, 3)])),
                               labels=BAD(("str", "x"), ("wrong length", [torch.tensor([1, 2])]),
                                          ("background", [torch.tensor([0])]), ("float", [torch.tensor([1.0])])),
                               iou_threshold=PROB, sigma_xy=POSF, sigma_wh=POSF),
                          extra=[("fewer label lists", "labels", dict(labels=[]))]),
    "nms": E(lambda: dict(boxes=torch.tensor([[0.0, 0, 2, 2], [0, 0, 2, 1]]), scores=torch.tensor([0.9, 0.5]),
                          iou_threshold=0.5),
             dict(boxes=T(finite=True), scores=BAD(("str", "x"), ("wrong length", torch.ones(3)),
                                                   ("nan", torch.tensor([NAN, 0.5]))),
                  iou_threshold=PROB)),
    "random_affine": E(lambda: dict(X=torch.rand(2, 1, 4, 4), max_degrees=10.0, max_shift=0.1,
                                    generator=torch.Generator().manual_seed(0)),
                       dict(X=T("float"), max_degrees=NNF, max_shift=NNF, generator=BAD(("int", 3),))),
    "synthetic_scenes": E(lambda: dict(num_scenes=2, image_size=16, max_objects=2, min_side=4, max_side=8, noise=0.05,
                                       seed=0),
                          dict(num_scenes=POS, image_size=POS, max_objects=POS, min_side=POS, max_side=POS, noise=NNF,
                               seed=SEED),
                          extra=[("min_side > max_side", "min_side", dict(min_side=9)),
                                 ("max_side > size", "max_side", dict(max_side=20))]),
    # ----------------------------------------------------------------------------- vit
    "PatchEmbedding": E(lambda: dict(image_size=8, patch_size=4, in_channels=1, num_hiddens=8),
                        dict(image_size=POS, patch_size=POS, in_channels=POS, num_hiddens=POS),
                        methods=fwd(lambda m: dict(X=f(2, 1, 8, 8)), dict(X=_f_T)),
                        extra=[("patch does not divide", "image_size", dict(image_size=10))]),
    "ViT": E(lambda: dict(image_size=8, patch_size=4, in_channels=1, num_hiddens=8, num_heads=2, ffn_num_hiddens=16,
                          num_layers=1, num_classes=3, dropout=0.1),
             dict(image_size=POS, patch_size=POS, in_channels=POS, num_hiddens=POS, num_heads=POS, ffn_num_hiddens=POS,
                  num_layers=POS, num_classes=POS, dropout=DROP),
             methods=fwd(lambda m: dict(X=f(2, 1, 8, 8)),
                         dict(X=BAD(("str", "x"), ("3-D", torch.ones(1, 8, 8)), ("wrong size", torch.ones(2, 1, 4, 4)),
                                    ("int dtype", torch.ones(2, 1, 8, 8, dtype=torch.long)))))),
    "patchify": E(lambda: dict(X=f(2, 1, 8, 8), patch_size=4),
                  dict(X=T("float"), patch_size=POS), extra=[("does not divide", "patch_size", dict(patch_size=3))]),
    # ----------------------------------------------------------------------------- added with issue 18's merge
    "LRScheduler": E(lambda: dict(scheduler=step_scheduler(), every="epoch", monitor=None),
                     dict(scheduler=OBJ, every=CHOICE, monitor=BAD(("without a plateau scheduler", "val_loss"),
                                                                     ("int", 3)))),
    "LambdaCallback": E(lambda: dict(on_fit_start=None, on_batch_end=lambda t, loss: None,
                                     on_epoch_end=None, on_fit_end=None),
                        dict(on_fit_start=CALL, on_batch_end=CALL, on_epoch_end=CALL, on_fit_end=CALL)),
    "pretrain": E(lambda: dict(model=tiny_bert(), loader=tiny_pretrain_loader(), max_epochs=1, lr=1e-3,
                               weight_decay=0.01, warmup=0.1, eval_batch=None, eval_every=None, device="cpu"),
                  dict(model=MODULE, loader=BAD(("int", 3), ("empty", [])), max_epochs=POS, lr=POSF,
                       weight_decay=NNF, warmup=FRAC, eval_batch=BAD(("str", "x"), ("too short", [1, 2])),
                       eval_every=POS)),
    "pretrain_accuracy": E(lambda: dict(model=tiny_bert(), batch=next(iter(tiny_pretrain_loader()))),
                           dict(model=MODULE, batch=BAD(("str", "x"), ("too short", [torch.zeros(2)])))),
    "generate": E(lambda: dict(generator=d2l.mlp_generator(latent_dim=2, num_outputs=3), z=f(4, 2)),
                  dict(generator=MODULE, z=BAD(("str", "x"), ("1-D", f(4))))),
    "cache_dir": E(),
    "cached": E(lambda: dict(key="fuzz-valid-call",
                             build=lambda: (np.zeros((2, 4), np.float32), np.zeros(2, np.int64), 2)),
                dict(key=BAD(("int", 3), ("empty", ""), ("a path", "a/b")), build=CALL)),
    "stratified_split": E(lambda: dict(y=np.array([0, 1] * 10), test_fraction=0.25, seed=0),
                          dict(y=BAD(("floats", np.linspace(0, 1, 20)), ("2-D", np.zeros((4, 5), int))),
                               test_fraction=FRAC, seed=SEED)),
    "grid_2d": E(lambda: dict(xlim=(0.0, 1.0), ylim=(-1.0, 1.0), resolution=5),
                 dict(xlim=BAD(("str", "x"), ("reversed", (1.0, 0.0)), ("nan", (NAN, 1.0))),
                      ylim=BAD(("str", "x"), ("one number", (1.0,))), resolution=POS)),
    "dishonest_casino": E(lambda: dict(p_switch_to_loaded=0.05, p_switch_to_fair=0.1, p_six=0.5),
                          dict(p_switch_to_loaded=PROB, p_switch_to_fair=PROB, p_six=PROB)),
    "random_hmm": E(lambda: dict(num_states=2, num_symbols=3, seed=0),
                    dict(num_states=POS, num_symbols=POS, seed=SEED)),
}

_TRANSLATION = []


def _translation():
    if not _TRANSLATION:
        _TRANSLATION.append(d2l.translation_data([("ab", "ba"), ("cd", "dc"), ("ef", "fe"), ("gh", "hg")],
                                                 num_examples=4, test_fraction=0.25))
    return _TRANSLATION[0]


# ---------------------------------------------------------------------------------------- cases
def public_callables() -> list[str]:
    return sorted(n for n in dir(d2l) if not n.startswith("_")
                  and (inspect.isfunction(getattr(d2l, n)) or inspect.isclass(getattr(d2l, n))))


def _cases():
    """``(case id, entry name, target, arg, bad value)``; target is None (the call) or a method."""
    out = []
    for name, e in REGISTRY.items():
        valid_call = e.call() if e.call is not dict and any(callable(k._bad) for k in e.kinds.values()) else {}
        for arg, kind in e.kinds.items():
            valid = valid_call.get(arg)
            for label, value in kind.bad(valid):
                out.append((f"{name}-{arg}-{label}", name, None, arg, value))
        for label, arg, patch in e.extra:
            out.append((f"{name}-{arg}-{label}", name, None, arg, ("__patch__", patch)))
        for meth, (_, kinds) in e.methods.items():
            for arg, kind in kinds.items():
                out.append((f"{name}.{meth}-{arg}", name, meth, arg, ("__kind__", kind)))
    return out


def _invoke(name, kwargs):
    e = REGISTRY[name]
    args = e.args() if e.args else ()
    return getattr(d2l, name)(*args, **kwargs)


def _method_kwargs(name, meth):
    obj = _invoke(name, REGISTRY[name].call())
    make, _ = REGISTRY[name].methods[meth]
    if meth == "predict":  # needs a fitted model
        obj.fit(*clf_data())
    kw = make(obj)
    return obj, kw


def _run_bad(name, target, arg, value):
    """Yield ``(description, thunk)`` for one bad call (a kind with a tensor valid value expands)."""
    e = REGISTRY[name]
    if target is None:
        kw = e.call()
        if isinstance(value, tuple) and len(value) == 2 and value[0] == "__patch__":
            kw.update(value[1])
        else:
            kw[arg] = value
        return [(arg, lambda: _invoke(name, kw))]
    obj, kw = _method_kwargs(name, target)
    fn = getattr(obj, target) if target != "__call__" else obj
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "__kind__":
        thunks = []
        for label, v in value[1].bad(kw[arg]):
            k2 = dict(kw, **{arg: v})
            thunks.append((f"{arg} ({label})", lambda k2=k2: fn(**k2)))
        return thunks
    k2 = dict(kw, **{arg: value})
    return [(arg, lambda: fn(**k2))]


def check_one(name, target, arg, value):
    """Run one bad call; return None if it raised a ValueError/TypeError naming ``arg``, else a problem."""
    problems = []
    for desc, thunk in _run_bad(name, target, arg, value):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                thunk()
            except (ValueError, TypeError) as err:
                if arg not in str(err):
                    problems.append(f"{desc}: {type(err).__name__} does not name {arg!r}: {err}")
            except Exception as err:  # noqa: BLE001 - the point: any other exception is a failure
                problems.append(f"{desc}: {type(err).__name__} instead of ValueError/TypeError: {err}")
            else:
                problems.append(f"{desc}: accepted silently")
            finally:
                plt.close("all")
    return "; ".join(problems) or None


CASES = _cases()


def test_registry_covers_every_public_callable():
    missing = [n for n in public_callables() if n not in REGISTRY]
    stale = [n for n in REGISTRY if n not in public_callables()]
    assert not missing, f"public callables without a fuzz entry in tests/test_fuzz.py: {missing}"
    assert not stale, f"fuzz entries for names d2lite no longer exports: {stale}"


def test_every_entry_with_arguments_feeds_bad_values():
    """An entry without kinds must say why (a plain container or an argument-free call)."""
    for name, e in REGISTRY.items():
        params = [p for p in inspect.signature(getattr(d2l, name)).parameters.values()
                  if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)] if name not in ("Encoder", "Decoder") else []
        if params and not e.kinds and not e.note:
            raise AssertionError(f"{name} takes arguments but its fuzz entry feeds none and gives no note")


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_valid_call_works(name):
    e = REGISTRY[name]
    if e.call is dict and name in ("Encoder", "Decoder"):
        pytest.skip("abstract base")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _invoke(name, e.call())
        for meth in e.methods:
            o, kw = _method_kwargs(name, meth)
            (o if meth == "__call__" else getattr(o, meth))(**kw)
    plt.close("all")




@pytest.mark.parametrize("case", [pytest.param(c, id=c[0], marks=[])
                                  for c in CASES])
def test_bad_argument_is_refused_by_name(case):
    cid, name, target, arg, value = case
    problem = check_one(name, target, arg, value)
    assert problem is None, problem


def test_tensor_loader_checks_its_tensors():
    for bad, word in (("x", "tensors"), (torch.ones(3), "tensors")):
        with pytest.raises((TypeError, ValueError), match=word):
            d2l.tensor_loader(torch.ones(4, 2), bad, batch_size=2)
    with pytest.raises((TypeError, ValueError), match="tensors"):
        d2l.tensor_loader(batch_size=2)


def _tally():
    """``(callables, bad calls, failures)``; each expanded tensor kind counts once per bad value."""
    calls = fails = 0
    failing = []
    for cid, name, target, arg, value in CASES:
        try:
            thunks = _run_bad(name, target, arg, value)
        except Exception as err:  # noqa: BLE001
            calls += 1
            fails += 1
            failing.append(f"{cid}: valid call broke: {err!r}")
            continue
        for desc, thunk in thunks:
            calls += 1
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    thunk()
                    ok = False
                    why = "accepted"
                except (ValueError, TypeError) as err:
                    ok = arg in str(err)
                    why = f"message without {arg!r}: {err}"
                except Exception as err:  # noqa: BLE001
                    ok, why = False, f"{type(err).__name__}: {err}"
                plt.close("all")
            if not ok:
                fails += 1
                failing.append(f"{cid} [{desc}]: {why}"[:300])
    return len(REGISTRY), calls, fails, failing


if __name__ == "__main__":
    n, calls, fails, failing = _tally()
    print("\n".join(failing))
    print(f"callables covered: {n}, bad calls: {calls}, failing: {fails}", file=sys.stderr)


# ------------------------------------------------------------------------- no host reads in forward
_HOST_READS = ("item", "tolist", "__bool__", "__int__", "__float__", "__index__")


# pack_padded_sequence needs the valid lengths on the CPU: the GRU encoder's one read, by design.
_READS_BY_DESIGN = {"GRUEncoder", "EncoderDecoder"}


def _forwards():
    return [pytest.param(n, marks=[pytest.mark.xfail(strict=True, reason="pack_padded_sequence reads X_len")]
                         if n in _READS_BY_DESIGN else [])
            for n in sorted(n for n, e in REGISTRY.items() if "__call__" in e.methods)]


@pytest.mark.parametrize("name", _forwards())
def test_forward_reads_no_tensor_values(name, monkeypatch):
    """A forward pass may look at shapes and dtypes only: reading a value (``.item()``,
    ``bool(t)``, ``int(t)``, ...) forces a device sync on every step. Checked on the CPU by making
    every such read raise while the model runs."""
    obj, kw = _method_kwargs(name, "__call__")

    def refuse(self, *args, **kwargs):
        raise AssertionError(f"{name}.forward read a tensor value on the host")

    for attr in _HOST_READS:
        monkeypatch.setattr(torch.Tensor, attr, refuse)
    obj(**kw)


# Losses and helpers that run on every training step follow the same rule as forward.
_PER_STEP = ["sequence_loss", "elbo_loss", "gaussian_kl", "discriminator_loss", "generator_loss", "masked_softmax",
             "teacher_inputs", "batch_norm", "causal_valid_lens", "add_noise", "random_affine", "affine_transform",
             "pretrain_loss"]


@pytest.mark.parametrize("name", _PER_STEP)
def test_per_step_function_reads_no_tensor_values(name, monkeypatch):
    kw = REGISTRY[name].call()

    def refuse(self, *args, **kwargs):
        raise AssertionError(f"{name} read a tensor value on the host")

    for attr in _HOST_READS:
        monkeypatch.setattr(torch.Tensor, attr, refuse)
    _invoke(name, kw)
