import pytest
import torch
from torch import nn

from d2lite.vit import PatchEmbedding, ViT, patchify

DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA"))]


def test_patchify_matches_unfold_and_conv():
    X = torch.randn(2, 3, 12, 12)
    P = patchify(X, 4)
    assert P.shape == (2, 9, 48)
    assert torch.equal(P, nn.functional.unfold(X, kernel_size=4, stride=4).transpose(1, 2))
    assert torch.equal(P[0, 1].reshape(3, 4, 4), X[0, :, 0:4, 4:8])     # second patch: top row, second column
    torch.manual_seed(0)
    emb = PatchEmbedding(image_size=12, patch_size=4, in_channels=3, num_hiddens=8)
    lin = P @ emb.conv.weight.reshape(8, -1).T + emb.conv.bias
    assert torch.allclose(lin, emb(X), atol=1e-5)


@pytest.mark.parametrize("device", DEVICES)
def test_vit_shapes(device):
    torch.manual_seed(0)
    model = ViT(image_size=28, patch_size=7, num_hiddens=16, num_heads=2, ffn_num_hiddens=32, num_layers=2,
                num_classes=10).to(device)
    out = model(torch.rand(5, 1, 28, 28, device=device))
    assert out.shape == (5, 10) and out.device.type == device
    assert [tuple(w.shape) for w in model.attention_weights] == [(5, 2, 17, 17)] * 2
    out.sum().backward()
    assert model.cls_token.grad is not None and model.pos_embedding.grad.abs().sum() > 0


def test_bad_inputs():
    with pytest.raises(ValueError, match="multiple of patch_size"):
        ViT(image_size=28, patch_size=5)
    with pytest.raises(ValueError, match="not divisible"):
        patchify(torch.zeros(1, 1, 10, 10), 4)
    model = ViT(image_size=28, patch_size=7, num_hiddens=16, num_heads=2, ffn_num_hiddens=32)
    with pytest.raises(ValueError, match="28x28"):
        model(torch.zeros(2, 1, 32, 32))
    with pytest.raises(ValueError, match="channels"):
        model(torch.zeros(2, 3, 28, 28))
    with pytest.raises(ValueError, match="4-D"):
        model(torch.zeros(1, 28, 28))
    with pytest.raises(TypeError, match="floating"):
        model(torch.zeros(2, 1, 28, 28, dtype=torch.long))
    with pytest.raises(TypeError):
        patchify(torch.zeros(1, 1, 8, 8), 2.0)
