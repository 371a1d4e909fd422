"""d2lite.seq2seq (and the d2lite.encoder_decoder interface): masked loss, training, greedy/beam decoding, BLEU."""
import math

import pytest
import torch

from d2lite import encoder_decoder as ed
from d2lite import seq2seq as s2s

BOS, EOS, PAD = 1, 2, 0


def small_model(src_vocab=11, tgt_vocab=9, num_layers=1, decoder=s2s.GRUDecoder):
    torch.manual_seed(0)
    return ed.EncoderDecoder(
        s2s.GRUEncoder(vocab_size=src_vocab, embed_size=8, num_hiddens=16, num_layers=num_layers),
        decoder(vocab_size=tgt_vocab, embed_size=8, num_hiddens=16, num_layers=num_layers))


def batch(B=5, S=7):
    g = torch.Generator().manual_seed(1)
    X = torch.randint(3, 11, (B, S), generator=g)
    X_len = torch.randint(2, S + 1, (B,), generator=g)
    X[torch.arange(S)[None, :] >= X_len[:, None]] = PAD
    return X, X_len


@pytest.mark.parametrize("decoder", [s2s.GRUDecoder, s2s.BahdanauDecoder])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_shapes_and_incremental_equals_teacher_forced(num_layers, decoder):
    model, (X, X_len) = small_model(num_layers=num_layers, decoder=decoder).eval(), batch()
    Y_in = torch.randint(0, 9, (5, 6))
    logits = model(X, X_len, Y_in)
    assert logits.shape == (5, 6, 9)
    state = model.decoder.init_state(model.encoder(X, X_len), X_len)
    steps = []
    for t in range(6):
        out, state = model.decoder(Y_in[:, t:t + 1], state)
        steps.append(out)
    assert torch.allclose(torch.cat(steps, 1), logits, atol=1e-5)


def test_bahdanau_attends_within_source_length():
    model, (X, X_len) = small_model(decoder=s2s.BahdanauDecoder).eval(), batch()
    Y_in = torch.randint(0, 9, (5, 6))
    model(X, X_len, Y_in)
    w = model.decoder.attention_weights                              # (B, T, S)
    assert w.shape == (5, 6, X.shape[1])
    assert torch.allclose(w.sum(-1), torch.ones(5, 6))
    assert (w[torch.arange(X.shape[1])[None, None, :].expand_as(w) >= X_len[:, None, None]] == 0).all()
    # one step by hand: the query is the previous top-layer state, the context joins the embedding
    dec = model.decoder
    enc_outputs, hidden, _ = dec.init_state(model.encoder(X, X_len), X_len)
    context, w0 = dec.attention(hidden[-1].unsqueeze(1), enc_outputs, enc_outputs, X_len)
    out, _ = dec.rnn(torch.cat([dec.embedding(Y_in[:, :1]), context], dim=2), hidden)
    assert torch.allclose(dec.dense(out), model(X, X_len, Y_in)[:, :1], atol=1e-6)
    assert torch.allclose(w0, w[:, :1])


def test_bahdanau_beam_search_reorders_state():
    # num_layers == batch size: the default reorder_state could not tell the batch axis apart
    model, (X, X_len) = small_model(num_layers=2, decoder=s2s.BahdanauDecoder), batch(B=2)
    g_preds, g_scores = s2s.greedy_decode(model, X, X_len, bos=BOS, eos=EOS, max_len=5)
    b_preds, b_scores = s2s.beam_search(model, X, X_len, bos=BOS, eos=EOS, max_len=5, beam_size=1)
    assert b_preds == g_preds and torch.allclose(b_scores, g_scores, atol=1e-5)
    _, b3_scores = s2s.beam_search(model, X, X_len, bos=BOS, eos=EOS, max_len=5, beam_size=3)
    assert (b3_scores >= g_scores - 1e-5).all()
    state = model.decoder.init_state(model.encoder(X, X_len), X_len)
    picked = model.decoder.reorder_state(state, torch.tensor([1, 1, 0]))
    assert [tuple(t.shape) for t in picked] == [(3, 7, 16), (2, 3, 16), (3,)]
    assert torch.equal(picked[1][:, 2], state[1][:, 0]) and torch.equal(picked[2], X_len[[1, 1, 0]])


def test_encoder_ignores_padding():
    model, (X, X_len) = small_model().eval(), batch()
    X2 = X.clone()
    X2[torch.arange(X.shape[1])[None, :] >= X_len[:, None]] = 7   # change only padded positions
    _, h1 = model.encoder(X, X_len)
    _, h2 = model.encoder(X2, X_len)
    assert torch.allclose(h1, h2)


def test_sequence_loss_masks_padding():
    logits = torch.randn(2, 4, 5)
    Y = torch.tensor([[1, 2, 3, 4], [1, 2, 0, 0]])
    Y_len = torch.tensor([4, 2])
    loss = s2s.sequence_loss(logits, Y, Y_len)
    by_hand = torch.cat([torch.nn.functional.cross_entropy(logits[0], Y[0], reduction="none"),
                         torch.nn.functional.cross_entropy(logits[1, :2], Y[1, :2], reduction="none")]).mean()
    assert torch.isclose(loss, by_hand)
    logits2 = logits.clone()
    logits2[1, 2:] = 100.0   # padded positions do not count
    assert torch.isclose(s2s.sequence_loss(logits2, Y, Y_len), loss)


def test_teacher_inputs_shift_right():
    Y = torch.tensor([[5, 6, EOS]])
    assert s2s.teacher_inputs(Y, BOS).tolist() == [[BOS, 5, 6]]


def copy_task(n=256, S=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randint(3, 9, (n, S), generator=g)
    Y = torch.cat([X, torch.full((n, 1), EOS)], 1)
    X_len = torch.full((n,), S)
    Y_len = torch.full((n,), S + 1)
    return X, X_len, Y, Y_len


def test_training_learns_copy_and_decoders_agree():
    X, X_len, Y, Y_len = copy_task()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, X_len, Y, Y_len), 32, shuffle=True)
    model = small_model(src_vocab=9, tgt_vocab=9)
    hist = s2s.train_seq2seq(model, loader, max_epochs=40, lr=0.02, bos=BOS, device="cpu")
    assert hist["loss"][-1] < 0.3 * hist["loss"][0]
    preds, g_scores = s2s.greedy_decode(model, X[:64], X_len[:64], bos=BOS, eos=EOS, max_len=8)
    assert s2s.exact_match(preds, X[:64].tolist()) > 0.6
    assert all(BOS not in p and EOS not in p for p in preds)
    b1, b1_scores = s2s.beam_search(model, X[:64], X_len[:64], bos=BOS, eos=EOS, max_len=8, beam_size=1)
    assert b1 == preds and torch.allclose(b1_scores, g_scores, atol=1e-5)
    b4, b4_scores = s2s.beam_search(model, X[:64], X_len[:64], bos=BOS, eos=EOS, max_len=8, beam_size=4)
    assert len(b4) == 64 and (b4_scores >= g_scores - 1e-5).all()


def test_scores_are_log_probs_of_returned_sequences():
    model, (X, X_len) = small_model().eval(), batch()
    for k in (1, 3):
        preds, scores = s2s.beam_search(model, X, X_len, bos=BOS, eos=EOS, max_len=5, beam_size=k)
        for i, p in enumerate(preds):
            tgt = p + ([EOS] if len(p) < 5 else [])
            Y_in = torch.tensor([[BOS] + tgt[:-1]])
            with torch.no_grad():
                logp = torch.log_softmax(model(X[i:i + 1], X_len[i:i + 1], Y_in), -1)[0]
            assert math.isclose(float(logp[torch.arange(len(tgt)), tgt].sum()), float(scores[i]), abs_tol=1e-4)


def test_bleu_by_hand():
    assert s2s.bleu("a b c d".split(), "a b c d".split()) == 1.0
    # pred "a b c" vs label "a b d": p1 = 2/3, p2 = 1/2, p3 = 0 -> 0; with k=2:
    expected = math.exp(0) * (2 / 3) ** 0.5 * (1 / 2) ** 0.25
    assert math.isclose(s2s.bleu("a b c".split(), "a b d".split(), k=2), expected)
    # brevity penalty: pred shorter than label
    assert math.isclose(s2s.bleu(["a"], ["a", "b"], k=1), math.exp(1 - 2 / 1))
    assert s2s.bleu([], ["a"]) == 0.0
    # clipping: repeated tokens count at most as often as in the label
    assert math.isclose(s2s.bleu(["a", "a"], ["a", "b"], k=1), 0.5 ** 0.5)  # p1 = 1/2, weight 1/2


def test_exact_match():
    assert s2s.exact_match([[1, 2], [3]], [[1, 2], [4]]) == 0.5


def test_bad_input_errors():
    model, (X, X_len) = small_model(), batch()
    with pytest.raises(ValueError, match="X_len"):
        model(X, X_len[:3], X[:, :2])
    with pytest.raises(TypeError, match="torch.long"):
        model(X.float(), X_len, X[:, :2])
    # forward reads no values (a device sync per step); decoding checks the lengths
    with pytest.raises(ValueError, match="X_len values"):
        s2s.greedy_decode(model, X, X_len + 10, bos=BOS, eos=EOS, max_len=3)
    with pytest.raises(ValueError, match="same length"):
        s2s.exact_match([[1]], [[1], [2]])
    with pytest.raises(ValueError, match="non-empty"):
        s2s.bleu(["a"], [])
    with pytest.raises(ValueError, match="logits"):
        s2s.sequence_loss(torch.randn(2, 3), torch.zeros(2, 3, dtype=torch.long), torch.tensor([1, 1]))
    with pytest.raises(ValueError, match="beam_size"):
        s2s.beam_search(model, X, X_len, bos=BOS, eos=EOS, max_len=3, beam_size=0)
    with pytest.raises(TypeError, match="EncoderDecoder"):
        s2s.greedy_decode(torch.nn.Linear(2, 2), X, X_len, bos=BOS, eos=EOS, max_len=3)
    bahdanau = small_model(decoder=s2s.BahdanauDecoder)
    with pytest.raises(ValueError, match="X_len"):
        bahdanau.decoder.init_state(bahdanau.encoder(X, X_len), X_len[:3])
    with pytest.raises(ValueError, match="Y_in"):
        bahdanau.decoder(X[:3, :2], bahdanau.decoder.init_state(bahdanau.encoder(X, X_len), X_len))
    with pytest.raises(ValueError, match="batch dimension"):
        ed.Decoder().reorder_state((torch.zeros(4, 2), torch.zeros(3, 5)), torch.tensor([0, 1]))


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs CUDA"))])
def test_runs_on_device(device):
    model, (X, X_len) = small_model().to(device), batch()
    X, X_len = X.to(device), X_len.to(device)
    assert model(X, X_len, X[:, :3] % 9).device.type == device
    preds, scores = s2s.beam_search(model, X, X_len, bos=BOS, eos=EOS, max_len=4, beam_size=2)
    assert len(preds) == 5 and scores.device.type == "cpu"
    X, X_len, Y, Y_len = copy_task(n=32)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, X_len, Y, Y_len), 16)
    hist = s2s.train_seq2seq(small_model(src_vocab=9, tgt_vocab=9), loader, max_epochs=1, lr=0.01,
                             bos=BOS, device=device)
    assert len(hist["loss"]) == 1
    for kwargs, err in ((dict(grad_clip="1"), TypeError), (dict(lr=float("nan")), ValueError),
                        (dict(bos=-1), TypeError), (dict(max_epochs=1.0), TypeError)):
        with pytest.raises(err, match=next(iter(kwargs))):
            s2s.train_seq2seq(small_model(src_vocab=9, tgt_vocab=9), loader,
                              **{"max_epochs": 1, "lr": 0.01, "bos": BOS, "device": device, **kwargs})
