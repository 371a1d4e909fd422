import pytest
import torch
from torch import nn

from d2lite.attention import (AdditiveAttention, DotProductAttention, MultiHeadAttention, PositionalEncoding,
                              causal_valid_lens, masked_softmax, sinusoidal_encoding)

DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA"))]


def test_masked_softmax_zeroes_padding_and_sums_to_one():
    scores = torch.randn(2, 3, 5)
    W = masked_softmax(scores, torch.tensor([2, 4]))
    assert (W[0, :, 2:] == 0).all() and (W[1, :, 4:] == 0).all()
    assert torch.allclose(W.sum(-1), torch.ones(2, 3))
    assert torch.allclose(masked_softmax(scores), torch.softmax(scores, -1))


def test_masked_softmax_per_query_and_heads():
    W = masked_softmax(torch.randn(2, 4, 3, 3), causal_valid_lens(2, 3))  # (batch, heads, q, k)
    assert torch.equal(W[..., 0, 1:], torch.zeros(2, 4, 2)) and (W[..., 2, :] > 0).all()


# Only shapes and dtypes are checked: reading the lengths' values would sync the device on every
# forward pass. Lengths above num_kv keep every key; the data builders make valid lengths.
@pytest.mark.parametrize("valid_lens, err", [(torch.tensor([1, 2, 3]), ValueError), (torch.tensor([1.0, 2.0]), TypeError),
                                             (torch.ones(2, 4, dtype=torch.long), ValueError), ([1, 2], TypeError)])
def test_masked_softmax_bad_masks(valid_lens, err):
    with pytest.raises(err, match="valid_lens"):
        masked_softmax(torch.randn(2, 3, 5), valid_lens)


def test_masked_softmax_needs_3d_scores():
    with pytest.raises(ValueError, match="scores"):
        masked_softmax(torch.randn(3, 5))


def test_additive_attention_shapes_and_errors():
    attn = AdditiveAttention(query_size=4, key_size=3, num_hiddens=8)
    out, w = attn(torch.randn(2, 5, 4), torch.randn(2, 6, 3), torch.randn(2, 6, 7), torch.tensor([2, 6]))
    assert out.shape == (2, 5, 7) and w.shape == (2, 5, 6) and (w[0, :, 2:] == 0).all()
    with pytest.raises(ValueError, match="keys must have 3 features"):
        attn(torch.randn(2, 5, 4), torch.randn(2, 6, 4), torch.randn(2, 6, 7))
    with pytest.raises(ValueError, match="same length"):
        attn(torch.randn(2, 5, 4), torch.randn(2, 6, 3), torch.randn(2, 5, 7))
    with pytest.raises(TypeError):
        AdditiveAttention(query_size=4.0, key_size=3, num_hiddens=8)


def test_dot_product_matches_torch():
    Q, K, V = torch.randn(2, 3, 8), torch.randn(2, 5, 8), torch.randn(2, 5, 4)
    lens = torch.tensor([2, 5])
    keep = torch.arange(5)[None, None] < lens[:, None, None]
    out, _ = DotProductAttention()(Q, K, V, lens)
    assert torch.allclose(out, nn.functional.scaled_dot_product_attention(Q, K, V, attn_mask=keep), atol=1e-5)
    with pytest.raises(ValueError, match="same size"):
        DotProductAttention()(Q, torch.randn(2, 5, 6), V)
    with pytest.raises(ValueError, match="dropout"):
        DotProductAttention(dropout=1.0)


def _copy_to_torch(mha, d, h):
    ref = nn.MultiheadAttention(d, h, batch_first=True)
    with torch.no_grad():
        ref.in_proj_weight.copy_(torch.cat([mha.W_q.weight, mha.W_k.weight, mha.W_v.weight]))
        ref.in_proj_bias.copy_(torch.cat([mha.W_q.bias, mha.W_k.bias, mha.W_v.bias]))
        ref.out_proj.weight.copy_(mha.W_o.weight)
        ref.out_proj.bias.copy_(mha.W_o.bias)
    return ref


def test_multihead_matches_torch():
    torch.manual_seed(0)
    mha = MultiHeadAttention(num_hiddens=12, num_heads=3, bias=True)
    q, k, lens = torch.randn(2, 4, 12), torch.randn(2, 5, 12), torch.tensor([3, 5])
    out, w = mha(q, k, k, lens)
    ref_out, ref_w = _copy_to_torch(mha, 12, 3)(q, k, k, key_padding_mask=torch.arange(5)[None] >= lens[:, None],
                                                 average_attn_weights=False)
    assert out.shape == (2, 4, 12) and w.shape == (2, 3, 4, 5)
    assert torch.allclose(out, ref_out, atol=1e-5) and torch.allclose(w, ref_w, atol=1e-6)


def test_multihead_errors():
    with pytest.raises(ValueError, match="divide"):
        MultiHeadAttention(num_hiddens=10, num_heads=3)
    mha = MultiHeadAttention(num_hiddens=8, num_heads=2, key_size=6)
    with pytest.raises(ValueError, match="keys must have 6"):
        mha(torch.randn(1, 2, 8), torch.randn(1, 3, 8), torch.randn(1, 3, 8))
    with pytest.raises(ValueError, match="batch size"):
        mha(torch.randn(1, 2, 8), torch.randn(2, 3, 6), torch.randn(2, 3, 8))
    with pytest.raises(ValueError, match="3-D"):
        mha(torch.randn(2, 8), torch.randn(1, 3, 6), torch.randn(1, 3, 8))


def test_positional_encoding_relative_shift_is_linear():
    P = sinusoidal_encoding(50, 16).double()
    fit = torch.linalg.lstsq(P[:-5], P[5:]).solution
    assert (P[:-5] @ fit - P[5:]).abs().max() < 1e-4
    pe = PositionalEncoding(num_hiddens=16, max_len=50)
    X = torch.zeros(2, 4, 16)
    assert torch.allclose(pe(X, offset=3)[0], P[3:7].float())
    with pytest.raises(ValueError, match="max_len"):
        pe(torch.zeros(1, 51, 16))
    with pytest.raises(ValueError, match="features"):
        pe(torch.zeros(1, 5, 8))


@pytest.mark.parametrize("device", DEVICES)
def test_attention_on_device(device):
    mha = MultiHeadAttention(num_hiddens=8, num_heads=2).to(device)
    X = torch.randn(3, 5, 8, device=device)
    out, w = mha(X, X, X, torch.tensor([1, 3, 5], device=device))
    assert out.device.type == device and w.device.type == device
    pe = PositionalEncoding(num_hiddens=8).to(device)
    assert pe(X).device.type == device
