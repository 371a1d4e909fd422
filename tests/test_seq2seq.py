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


# ------------------------------------------------------------------ beam search: length penalty
@torch.no_grad()
def _beam_search_raw(model, X, X_len, *, bos, eos, max_len, beam_size):
    """beam_search as it was before ``length_penalty`` existed (raw sums only), kept as the
    reference that ``length_penalty=0`` must reproduce bit for bit."""
    X, X_len, state = s2s._start(model, X, X_len, bos, eos, max_len)
    B, k = X.shape[0], beam_size
    state = model.decoder.reorder_state(state, torch.arange(B).repeat_interleave(k))
    scores = torch.full((B, k), -math.inf)
    scores[:, 0] = 0.0
    finished = torch.zeros(B, k, dtype=torch.bool)
    seqs = torch.full((B * k, 1), bos, dtype=torch.long)
    for _ in range(max_len):
        logits, state = model.decoder(seqs[:, -1:], state)
        logp = torch.log_softmax(logits[:, -1].float(), dim=-1).view(B, k, -1)
        V = logp.shape[-1]
        logp = torch.where(finished[..., None], torch.full_like(logp, -math.inf), logp)
        logp[..., eos] = torch.where(finished, torch.zeros_like(scores), logp[..., eos])
        scores, flat = (scores[..., None] + logp).view(B, k * V).topk(k, dim=1)
        beam, token = flat // V, flat % V
        rows = (torch.arange(B)[:, None] * k + beam).view(-1)
        state = model.decoder.reorder_state(state, rows)
        seqs = torch.cat([seqs[rows], token.view(-1, 1)], dim=1)
        finished = finished.gather(1, beam) | (token == eos)
        open_best = torch.where(finished, torch.full_like(scores, -math.inf), scores).amax(1)
        done_best = torch.where(finished, scores, torch.full_like(scores, -math.inf)).amax(1)
        if bool((done_best >= open_best).all()):
            break
    best = scores.argmax(dim=1)
    picked = seqs.view(B, k, -1)[torch.arange(B), best, 1:]
    return s2s._strip(picked.tolist(), eos), scores[torch.arange(B), best]


class _Source(ed.Encoder):
    def forward(self, X, X_len):
        return X


class _TableDecoder(ed.Decoder):
    """Next-token probabilities looked up by the prefix emitted so far (``<bos>`` excluded);
    prefixes not in ``table`` end at once (``<eos>`` with probability 1)."""

    def __init__(self, table, vocab_size):
        super().__init__()
        self.table, self.V = table, vocab_size
        self.dense = torch.nn.Linear(1, vocab_size)   # only tells _start the vocabulary size

    def init_state(self, enc_outputs, X_len):
        return torch.zeros(enc_outputs.shape[0], 0, dtype=torch.long)

    def forward(self, Y_in, state):
        fed = torch.cat([state, Y_in], dim=1)
        rows = []
        for prefix in fed[:, 1:].tolist():
            p = torch.zeros(self.V)
            for tok, prob in self.table.get(tuple(prefix), {EOS: 1.0}).items():
                p[tok] = prob
            rows.append(p.log())
        return torch.stack(rows)[:, None], fed


A, B_ = 3, 4
# "A <eos>" has the best raw log-probability (0.385); "B B B <eos>" (0.3645) wins once the sum
# is divided by L ** 0.75.
LENGTH_TABLE = {(): {A: 0.55, B_: 0.45}, (A,): {EOS: 0.7, B_: 0.3},
                (B_,): {B_: 0.9, EOS: 0.1}, (B_, B_): {B_: 0.9, EOS: 0.1}}


def _table_model(table=LENGTH_TABLE, V=5):
    return ed.EncoderDecoder(_Source(), _TableDecoder(table, V))


@pytest.mark.parametrize("decoder", [s2s.GRUDecoder, s2s.BahdanauDecoder])
def test_length_penalty_zero_is_the_raw_beam_search(decoder):
    for seed in range(3):
        model, (X, X_len) = small_model(decoder=decoder).eval(), batch(B=6)
        torch.manual_seed(seed)
        for p in model.parameters():     # sharper, varied distributions: more ties to break alike
            p.data.mul_(3.0).add_(0.1 * torch.randn_like(p))
        for k in (1, 2, 3, 5):
            ref_preds, ref_scores = _beam_search_raw(model, X, X_len, bos=BOS, eos=EOS, max_len=6,
                                                     beam_size=k)
            for kwargs in ({}, {"length_penalty": 0.0}, {"length_penalty": 0}):
                preds, scores = s2s.beam_search(model, X, X_len, bos=BOS, eos=EOS, max_len=6,
                                                beam_size=k, **kwargs)
                assert preds == ref_preds and torch.equal(scores, ref_scores)


def test_length_penalty_turns_the_short_answer_into_the_long_one():
    model, X, X_len = _table_model(), torch.ones(1, 1, dtype=torch.long), torch.ones(1, dtype=torch.long)
    search = lambda k, alpha: s2s.beam_search(model, X, X_len, bos=BOS, eos=EOS, max_len=5,
                                              beam_size=k, length_penalty=alpha)
    assert search(2, 0.0)[0] == [[A]] and search(1, 0.75)[0] == [[A]]   # k = 1 never sees B B B
    preds, scores = search(2, 0.75)
    assert preds == [[B_, B_, B_]]
    assert math.isclose(float(scores[0]), math.log(0.45 * 0.9 * 0.9), rel_tol=1e-6)   # raw, not normalised
    assert math.isclose(float(search(2, 0.0)[1][0]), math.log(0.55 * 0.7), rel_tol=1e-6)


@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0, 2.0])
def test_wide_beam_finds_the_best_normalised_sequence(alpha):
    # V = 4 and max_len = 3: a beam of 64 keeps every sequence, so it must return the exhaustive optimum
    model, (X, X_len) = small_model(tgt_vocab=4).eval(), batch(B=3)
    preds, scores = s2s.beam_search(model, X, X_len, bos=BOS, eos=EOS, max_len=3, beam_size=64,
                                    length_penalty=alpha)
    import itertools
    for i in range(3):
        best = None
        for L in (1, 2, 3):
            for seq in itertools.product(range(4), repeat=L):
                if EOS in seq[:-1] or (L < 3 and seq[-1] != EOS):
                    continue                        # ends at its first <eos>, or runs to max_len
                Y_in = torch.tensor([[BOS, *seq[:-1]]])
                with torch.no_grad():
                    logp = torch.log_softmax(model(X[i:i + 1], X_len[i:i + 1], Y_in), -1)[0]
                s = float(logp[torch.arange(L), list(seq)].sum())
                if best is None or s / L ** alpha > best[0] / best[2] ** alpha:
                    best = (s, seq, L)
        s, seq, L = best
        assert preds[i] == [t for t in seq if t != EOS][:L] and math.isclose(float(scores[i]), s, abs_tol=1e-5)


def test_length_penalty_is_validated():
    model, (X, X_len) = small_model(), batch()
    for bad, err in (("0.5", TypeError), (None, TypeError), (True, TypeError), (-0.1, ValueError),
                     (float("nan"), ValueError), (float("inf"), ValueError)):
        with pytest.raises(err, match="length_penalty") as info:
            s2s.beam_search(model, X, X_len, bos=BOS, eos=EOS, max_len=3, beam_size=2, length_penalty=bad)
        assert "got" in str(info.value) and ">= 0" in str(info.value)
