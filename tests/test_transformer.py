import pytest
import torch
from torch import nn

from d2lite.encoder_decoder import EncoderDecoder
from d2lite.seq2seq import beam_search, greedy_decode
from d2lite.transformer import (AddNorm, PositionWiseFFN, TransformerDecoder, TransformerDecoderBlock,
                                TransformerEncoder, TransformerEncoderBlock)

DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA"))]
KW = dict(num_hiddens=16, num_heads=4, ffn_num_hiddens=32, num_layers=2)


def test_ffn_and_addnorm():
    assert PositionWiseFFN(num_inputs=4, ffn_num_hiddens=8, num_outputs=6)(torch.randn(2, 3, 4)).shape == (2, 3, 6)
    with pytest.raises(ValueError, match="same shape"):
        AddNorm(num_hiddens=4)(torch.randn(2, 3, 4), torch.randn(2, 2, 4))


def test_encoder_block_matches_torch_layer():
    torch.manual_seed(0)
    blk = TransformerEncoderBlock(num_hiddens=8, num_heads=2, ffn_num_hiddens=16, bias=True).eval()
    ref = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True).eval()
    a = blk.attention
    with torch.no_grad():
        ref.self_attn.in_proj_weight.copy_(torch.cat([a.W_q.weight, a.W_k.weight, a.W_v.weight]))
        ref.self_attn.in_proj_bias.copy_(torch.cat([a.W_q.bias, a.W_k.bias, a.W_v.bias]))
        ref.self_attn.out_proj.load_state_dict(a.W_o.state_dict())
        ref.linear1.load_state_dict(blk.ffn.net[0].state_dict())
        ref.linear2.load_state_dict(blk.ffn.net[2].state_dict())
        ref.norm1.load_state_dict(blk.addnorm1.ln.state_dict())
        ref.norm2.load_state_dict(blk.addnorm2.ln.state_dict())
    X, lens = torch.randn(2, 5, 8), torch.tensor([3, 5])
    ours = blk(X, lens)
    theirs = ref(X, src_key_padding_mask=torch.arange(5)[None] >= lens[:, None])
    assert torch.allclose(ours[1], theirs[1], atol=1e-5) and torch.allclose(ours[0, :3], theirs[0, :3], atol=1e-5)
    assert blk.attention_weights.shape == (2, 2, 5, 5)


def test_encoder_shapes_weights_and_errors():
    enc = TransformerEncoder(vocab_size=11, **KW)
    H = enc(torch.randint(0, 11, (3, 7)), torch.tensor([7, 2, 5]))
    assert H.shape == (3, 7, 16)
    assert len(enc.attention_weights) == 2 and enc.attention_weights[0].shape == (3, 4, 7, 7)
    assert (enc.attention_weights[1][1, :, :, 2:] == 0).all()
    with pytest.raises(TypeError, match="token ids"):
        enc(torch.randn(3, 7))
    with pytest.raises(ValueError, match="2-D"):
        enc(torch.randint(0, 11, (3, 7, 1)))


def test_decoder_block_is_causal():
    blk = TransformerDecoderBlock(num_hiddens=8, num_heads=2, ffn_num_hiddens=16).eval()
    X, enc = torch.randn(1, 4, 8), torch.randn(1, 3, 8)
    Y1, _ = blk(X, enc)
    X2 = X.clone()
    X2[:, 3] += 1.0
    Y2, _ = blk(X2, enc)
    assert torch.allclose(Y1[:, :3], Y2[:, :3], atol=1e-6) and not torch.allclose(Y1[:, 3], Y2[:, 3])


def _model():
    torch.manual_seed(0)
    return EncoderDecoder(TransformerEncoder(vocab_size=11, **KW), TransformerDecoder(vocab_size=9, **KW)).eval()


def test_incremental_decoding_equals_teacher_forcing():
    model = _model()
    X, lens, Y = torch.randint(0, 11, (3, 6)), torch.tensor([6, 4, 2]), torch.randint(0, 9, (3, 5))
    with torch.no_grad():
        full = model(X, lens, Y)
        state = model.decoder.init_state(model.encoder(X, lens), lens)
        steps = []
        for t in range(5):
            logits, state = model.decoder(Y[:, t:t + 1], state)
            steps.append(logits)
    assert full.shape == (3, 5, 9) and torch.allclose(torch.cat(steps, 1), full, atol=1e-5)
    assert model.decoder.attention_weights["cross"][0].shape == (3, 4, 1, 6)


def test_decoder_works_with_seq2seq_decoding():
    model = _model()
    X, lens = torch.randint(3, 11, (2, 6)), torch.tensor([6, 3])
    preds, _ = greedy_decode(model, X, lens, bos=1, eos=2, max_len=4)
    beams, _ = beam_search(model, X, lens, bos=1, eos=2, max_len=4, beam_size=3)
    assert len(preds) == 2 and all(len(p) <= 4 for p in preds + beams)


def test_decoder_state_errors():
    dec = TransformerDecoder(vocab_size=9, **KW)
    with pytest.raises(ValueError, match="16 features"):
        dec.init_state(torch.randn(2, 3, 8), torch.tensor([3, 3]))
    state = dec.init_state(torch.randn(2, 3, 16), torch.tensor([3, 3]))
    with pytest.raises(ValueError, match="batch"):
        dec(torch.zeros(3, 1, dtype=torch.long), state)
    with pytest.raises(TypeError, match="init_state"):
        dec(torch.zeros(2, 1, dtype=torch.long), (1, 2))


@pytest.mark.parametrize("device", DEVICES)
def test_transformer_on_device(device):
    model = _model().to(device)
    X, lens = torch.randint(0, 11, (2, 6), device=device), torch.tensor([6, 3], device=device)
    out = model(X, lens, torch.randint(0, 9, (2, 4), device=device))
    assert out.device.type == device and out.shape == (2, 4, 9)
