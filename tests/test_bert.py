import random

import pytest
import torch

from d2lite.bert import (BERT_RESERVED, BERTClassifier, BERTEncoder, BERTModel, MaskLM, get_tokens_and_segments,
                         mask_tokens, pretrain, pretrain_accuracy, pretrain_data, pretrain_loss)
from d2lite.text import Vocab

DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA"))]
SENTS = [["in", "the", "beginning", "god", "created"], ["and", "the", "earth", "was", "void"],
         ["and", "god", "said", "let", "there", "be", "light"], ["and", "there", "was", "light"]]


def small_model(vocab_size=30, max_len=16):
    torch.manual_seed(0)
    return BERTModel(vocab_size=vocab_size, num_hiddens=16, num_heads=2, ffn_num_hiddens=32, num_layers=2,
                     max_len=max_len)


def vocab():
    return Vocab(SENTS, reserved=BERT_RESERVED)


def test_tokens_and_segments():
    tokens, segments = get_tokens_and_segments(["a", "b"], ["c"])
    assert tokens == ["<cls>", "a", "b", "<sep>", "c", "<sep>"]
    assert segments == [0, 0, 0, 0, 1, 1]
    assert get_tokens_and_segments(["a"]) == (["<cls>", "a", "<sep>"], [0, 0, 0])
    with pytest.raises(ValueError, match="empty"):
        get_tokens_and_segments([])


@pytest.mark.parametrize("device", DEVICES)
def test_model_shapes(device):
    model = small_model().to(device)
    tokens = torch.randint(0, 30, (3, 10), device=device)
    segments = torch.zeros(3, 10, dtype=torch.long, device=device)
    valid_lens = torch.tensor([10, 6, 3], device=device)
    encoded, mlm, nsp = model(tokens, segments, valid_lens, torch.tensor([[1, 2], [3, 4], [0, 1]], device=device))
    assert encoded.shape == (3, 10, 16) and mlm.shape == (3, 2, 30) and nsp.shape == (3, 2)
    assert encoded.device.type == device
    assert model(tokens, segments)[1] is None
    # padding is masked: changing padded tokens leaves the valid outputs unchanged
    model.eval()
    changed = tokens.clone()
    changed[2, 3:] = 0
    a = model.encoder(tokens, segments, valid_lens)[2, :3]
    b = model.encoder(changed, segments, valid_lens)[2, :3]
    assert torch.allclose(a, b, atol=1e-5)
    assert model.encoder.attention_weights[0].shape == (3, 2, 10, 10)


def test_bad_inputs():
    model = small_model()
    tokens = torch.zeros(2, 5, dtype=torch.long)
    with pytest.raises(ValueError, match="same shape"):
        model(tokens, torch.zeros(2, 4, dtype=torch.long))
    with pytest.raises(TypeError, match="torch.long"):
        model(tokens.float(), torch.zeros(2, 5, dtype=torch.long))
    with pytest.raises(ValueError, match="max_len"):
        model(torch.zeros(2, 20, dtype=torch.long), torch.zeros(2, 20, dtype=torch.long))
    # forward checks shapes and dtypes only (value checks would sync the device every step)
    with pytest.raises(TypeError, match="segments"):
        model(tokens, torch.zeros(2, 5))
    with pytest.raises(ValueError, match="pred_positions"):
        MaskLM(vocab_size=30, num_hiddens=16)(torch.zeros(2, 5, 16), torch.tensor([[5], [0], [1]]))
    with pytest.raises(TypeError):
        BERTEncoder(vocab_size=30.0, num_hiddens=16, num_heads=2, ffn_num_hiddens=32, num_layers=1)
    with pytest.raises(TypeError, match="BERTModel"):
        BERTClassifier(torch.nn.Linear(2, 2))


def test_classifier_shapes():
    clf = BERTClassifier(small_model(), num_classes=3)
    out = clf(torch.zeros(4, 8, dtype=torch.long), torch.zeros(4, 8, dtype=torch.long), torch.tensor([8, 5, 3, 2]))
    assert out.shape == (4, 3)


def test_mask_tokens_rule():
    v = vocab()
    tokens = ["<cls>"] + ["god"] * 2000 + ["<sep>"]
    corrupted, positions, labels = mask_tokens(tokens, v, rng=random.Random(0))
    assert len(positions) == 300 and labels == ["god"] * 300
    assert 0 not in positions and len(tokens) - 1 not in positions
    shown = [corrupted[i] for i in positions]
    assert 0.72 < shown.count("<mask>") / 300 < 0.88
    assert all(tok not in ("<cls>", "<sep>", "<pad>") for tok in shown)
    with pytest.raises(ValueError, match="no ordinary token"):
        mask_tokens(["<cls>", "<sep>"], v)
    with pytest.raises(ValueError):
        mask_tokens(tokens, v, mask_prob=1.5)


def test_pretrain_data():
    v = vocab()
    data = pretrain_data([SENTS[:2], SENTS[2:]], v, max_len=16, seed=0)
    assert len(data) == 2
    assert data.tokens.shape == data.segments.shape == (2, 16)
    assert data.pred_positions.shape == data.mlm_labels.shape == data.mlm_weights.shape == (2, 2)
    assert (data.tokens[:, 0] == v["<cls>"]).all()
    for i in range(2):
        n = int(data.valid_lens[i])
        assert (data.tokens[i, n:] == v["<pad>"]).all() and data.tokens[i, n - 1] == v["<sep>"]
    out = small_model(len(v))(data.tokens, data.segments, data.valid_lens, data.pred_positions)
    assert out[1].shape == (2, 2, len(v))


def test_pretrain_loss_averages_real_predictions_only():
    v = vocab()
    data = pretrain_data([SENTS[:2], SENTS[2:]], v, max_len=16, seed=0)
    model = small_model(len(v))
    batch = list(data.tensors())
    loss, mlm_logits, nsp_logits = pretrain_loss(model, *batch)
    w = data.mlm_weights > 0
    mlm = torch.nn.functional.cross_entropy(mlm_logits[w], data.mlm_labels[w])
    nsp = torch.nn.functional.cross_entropy(nsp_logits, data.nsp_labels)
    assert torch.allclose(loss, mlm + nsp)
    batch[5] = torch.where(w, data.mlm_labels, 0)   # labels at padded predictions must not matter
    assert torch.allclose(pretrain_loss(model, *batch)[0], loss)
    batch[4] = torch.zeros_like(data.mlm_weights)  # no masked word: 0/0, NaN (no value check per step)
    assert torch.isnan(pretrain_loss(model, *batch)[0])


def test_pretrain_data_errors():
    with pytest.raises(ValueError, match="reserve"):
        pretrain_data([SENTS], Vocab(SENTS), max_len=16)
    with pytest.raises(ValueError, match="two non-empty sentences"):
        pretrain_data([[SENTS[0]], [[]]], vocab(), max_len=16)
    with pytest.raises(ValueError, match="max_len"):
        pretrain_data([SENTS], vocab(), max_len=5)


def test_causal_valid_lens_hide_the_right_context():
    from d2lite.attention import causal_valid_lens

    encoder = small_model().encoder.eval()
    tokens = torch.randint(0, 30, (2, 6))
    segments = torch.zeros_like(tokens)
    changed = tokens.clone()
    changed[:, 4:] = 1
    causal = causal_valid_lens(2, 6)
    # with a causal mask, positions 0..3 do not see tokens 4, 5; without it they do
    assert torch.allclose(encoder(tokens, segments, causal)[:, :4], encoder(changed, segments, causal)[:, :4], atol=1e-5)
    assert not torch.allclose(encoder(tokens, segments)[:, :4], encoder(changed, segments)[:, :4], atol=1e-5)
    with pytest.raises(ValueError, match="valid_lens"):
        encoder(tokens, segments, torch.ones(2, 5, dtype=torch.long))


def _pretrain_setup():
    v = vocab()
    docs = [SENTS, SENTS[::-1], SENTS[1:] + SENTS[:1]]
    data = pretrain_data(docs, v, max_len=20, seed=0)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(*data.tensors()), batch_size=3, shuffle=True,
                                         generator=torch.Generator().manual_seed(0))
    return small_model(len(v), max_len=20), loader, data


def test_pretrain_is_the_hand_written_loop():
    """d2lite's pretrain (the Trainer, a batch-stepped OneCycleLR) = the loop section 10.1 explains."""
    model, loader, data = _pretrain_setup()
    history = pretrain(model, loader, max_epochs=3, lr=5e-3, eval_batch=list(data.tensors()), eval_every=2,
                       device="cpu")
    ref, loader, _ = _pretrain_setup()
    opt = torch.optim.AdamW(ref.parameters(), lr=5e-3, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=5e-3, total_steps=3 * len(loader), pct_start=0.1)
    losses = []
    for _ in range(3):
        for batch in loader:
            loss, _, _ = pretrain_loss(ref, *batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
    assert history["loss"] == losses and len(losses) == 3 * len(loader) == 9
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), ref.state_dict().values()))
    assert history["step"] == [0, 2, 3, 5, 6, 8]  # steps 0 and 2 (every 2nd) of each epoch of 3; 2 is its last
    mlm, nsp = pretrain_accuracy(ref, list(data.tensors()))
    assert (history["mlm_accuracy"][-1], history["nsp_accuracy"][-1]) == (mlm, nsp)
    assert model.training  # pretrain_accuracy restores the mode


def test_pretrain_errors():
    model, loader, data = _pretrain_setup()
    with pytest.raises(TypeError, match="BERTModel"):
        pretrain(torch.nn.Linear(2, 2), loader, max_epochs=1, lr=1e-3)
    with pytest.raises(TypeError, match="loader"):
        pretrain(model, (batch for batch in loader), max_epochs=1, lr=1e-3)
    with pytest.raises(ValueError, match="loader"):
        pretrain(model, [], max_epochs=1, lr=1e-3)
    with pytest.raises(TypeError, match="max_epochs"):
        pretrain(model, loader, max_epochs=1.5, lr=1e-3)
    with pytest.raises(TypeError, match="lr"):
        pretrain(model, loader, max_epochs=1, lr="fast")
    with pytest.raises(ValueError, match="warmup"):
        pretrain(model, loader, max_epochs=1, lr=1e-3, warmup=1.0)
    with pytest.raises(ValueError, match="eval_every"):
        pretrain(model, loader, max_epochs=1, lr=1e-3, eval_batch=list(data.tensors()), eval_every=0)
    with pytest.raises(TypeError, match="eval_batch"):
        pretrain(model, loader, max_epochs=1, lr=1e-3, eval_batch=data)
