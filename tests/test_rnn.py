"""d2lite.rnn: n-gram baselines, recurrent language models, training, perplexity, generation."""
import math

import pytest
import torch

from d2lite import rnn, text

CORPUS = "to be or not to be that is the question whether tis nobler in the mind to suffer " * 20


def char_data():
    tokens = text.tokenize(CORPUS, "char")
    vocab = text.Vocab(tokens)
    return vocab, torch.tensor(vocab[tokens])


def test_ngram_probabilities_sum_to_one_and_perplexity_bounds():
    vocab, ids = char_data()
    V = len(vocab)
    for n in (1, 2, 3):
        lm = rnn.NGramLM(n, vocab_size=V, k=0.5).fit(ids)
        ctx = ids[:n - 1].tolist()
        assert math.isclose(sum(lm.prob(ctx, j) for j in range(V)), 1.0, rel_tol=1e-9)
        assert 1.0 < lm.perplexity(ids) < V
    uni, bi = (rnn.NGramLM(n, vocab_size=V, k=0.01).fit(ids).perplexity(ids) for n in (1, 2))
    assert bi < uni
    # a uniform model (k huge) has perplexity V
    assert math.isclose(rnn.NGramLM(1, vocab_size=V, k=1e9).fit(ids).perplexity(ids), V, rel_tol=1e-5)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("embed_size", [None, 8])
def test_rnnlm_shapes(cell, embed_size):
    model = rnn.RNNLM(vocab_size=12, num_hiddens=16, cell=cell, num_layers=2, embed_size=embed_size)
    logits, state = model(torch.randint(0, 12, (3, 7)))
    assert logits.shape == (3, 7, 12)
    h = state[0] if cell == "lstm" else state
    assert h.shape == (2, 3, 16)


def test_training_beats_bigram_and_generates():
    torch.manual_seed(0)
    vocab, ids = char_data()
    loader = text.lm_loader(ids, 16, 16)
    model = rnn.RNNLM(vocab_size=len(vocab), num_hiddens=32, cell="gru", embed_size=16)
    hist = rnn.train_lm(model, loader, max_epochs=8, lr=0.02, device="cpu", val_loader=loader)
    assert len(hist["train_perplexity"]) == 8 and len(hist["grad_norm"]) == 8 * len(loader)
    bigram = rnn.NGramLM(2, vocab_size=len(vocab), k=0.01).fit(ids).perplexity(ids)
    assert hist["val_perplexity"][-1] < bigram
    assert math.isclose(rnn.perplexity(model, loader), hist["val_perplexity"][-1], rel_tol=1e-6)
    out = rnn.generate_text(model, vocab, "to be", 12)
    assert out.startswith("to be") and len(out) == 5 + 12
    sampled = rnn.generate_text(model, vocab, "to be", 12, temperature=1.0, seed=3)
    assert sampled == rnn.generate_text(model, vocab, "to be", 12, temperature=1.0, seed=3)


def test_clipping_bounds_the_update():
    torch.manual_seed(0)
    vocab, ids = char_data()
    loader = text.lm_loader(ids, 16, 16)
    model = rnn.RNNLM(vocab_size=len(vocab), num_hiddens=32)
    hist = rnn.train_lm(model, loader, max_epochs=1, lr=1e-3, optimizer="sgd", grad_clip=0.01, device="cpu")
    assert max(hist["grad_norm"]) > 0.01   # recorded before clipping


def test_recall_task_and_classifier():
    X, y = rnn.recall_task(10, seq_len=7, num_symbols=3, num_noise=2, seed=1)
    assert X.shape == (10, 7) and torch.equal(X[:, 0], y)
    assert (X[:, 1:] >= 3).all() and (X[:, 1:] < 5).all()
    model = rnn.SequenceClassifier(vocab_size=5, num_classes=3, num_hiddens=8, cell="lstm", forget_bias=2.0)
    assert model(X).shape == (10, 3)
    assert torch.allclose(model.rnn.bias_ih_l0[8:16], torch.full((8,), 2.0))


def test_bad_input_errors():
    vocab, ids = char_data()
    model = rnn.RNNLM(vocab_size=len(vocab), num_hiddens=8)
    with pytest.raises(ValueError, match="cell"):
        rnn.RNNLM(vocab_size=5, num_hiddens=8, cell="transformer")
    with pytest.raises(TypeError, match="torch.long"):
        model(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="at least one token"):
        rnn.generate_text(model, vocab, "   ", 5)
    with pytest.raises(ValueError, match="outside the vocabulary"):
        rnn.generate_text(model, vocab, "xyz#", 5)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        rnn.NGramLM(2, vocab_size=3).fit(ids)
    with pytest.raises(ValueError, match="fit"):
        rnn.NGramLM(2, vocab_size=3).perplexity([0, 1, 2])
    with pytest.raises(ValueError, match="k must be > 0"):
        rnn.NGramLM(2, vocab_size=3, k=0)
    with pytest.raises(ValueError, match="at least two"):
        rnn.NGramLM(1, vocab_size=3).fit([1])
    with pytest.raises(TypeError, match="num_hiddens"):
        rnn.RNNLM(vocab_size=5, num_hiddens=8.0)
    with pytest.raises(ValueError, match="optimizer"):
        rnn.train_lm(model, text.lm_loader(ids, 8, 4), max_epochs=1, lr=0.1, optimizer="lbfgs")
    for kwargs, err in ((dict(grad_clip="1"), TypeError), (dict(grad_clip=-1.0), ValueError),
                        (dict(lr="0.1"), TypeError), (dict(max_epochs=0), ValueError)):
        with pytest.raises(err, match=next(iter(kwargs))):
            rnn.train_lm(model, text.lm_loader(ids, 8, 4), **{"max_epochs": 1, "lr": 0.1, **kwargs})


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs CUDA"))])
def test_runs_on_device(device):
    vocab, ids = char_data()
    loader = text.lm_loader(ids, 16, 16)
    model = rnn.RNNLM(vocab_size=len(vocab), num_hiddens=16, cell="lstm")
    hist = rnn.train_lm(model, loader, max_epochs=1, lr=0.01, device=device, val_loader=loader)
    assert next(model.parameters()).device.type == device and len(hist["val_perplexity"]) == 1
    assert rnn.generate_text(model, vocab, "to", 4, temperature=0.5).startswith("to")
    clf = rnn.SequenceClassifier(vocab_size=5, num_classes=2, num_hiddens=4).to(device)
    assert clf(torch.zeros(2, 3, dtype=torch.long, device=device)).device.type == device
