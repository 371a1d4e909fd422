"""d2lite.cnn: output shapes, a CPU training step, clear errors on bad input, and devices."""
import pytest
import torch
from torch import nn

import d2lite as d2l
from d2lite.cnn import (BatchNorm, Inception, LeNet, NiNBlock, Residual, VGGBlock, batch_norm,
                        count_parameters, small_resnet)


# --- shapes ---------------------------------------------------------------------------------
@pytest.mark.parametrize("make, x_shape, y_shape", [
    (lambda: LeNet(), (2, 1, 28, 28), (2, 10)),
    (lambda: LeNet(in_channels=3, num_classes=5, image_size=32), (2, 3, 32, 32), (2, 5)),
    (lambda: VGGBlock(num_convs=2, in_channels=3, out_channels=8), (2, 3, 16, 16), (2, 8, 8, 8)),
    (lambda: NiNBlock(in_channels=1, out_channels=4, kernel_size=5, stride=2, padding=2), (2, 1, 28, 28), (2, 4, 14, 14)),
    (lambda: Inception(in_channels=8, c1=2, c2=(3, 4), c3=(1, 2), c4=3), (2, 8, 7, 7), (2, 11, 7, 7)),
    (lambda: Residual(in_channels=4, out_channels=4), (2, 4, 9, 9), (2, 4, 9, 9)),
    (lambda: Residual(in_channels=4, out_channels=8, stride=2), (2, 4, 9, 9), (2, 8, 5, 5)),
    (lambda: small_resnet(), (2, 1, 28, 28), (2, 10)),
    (lambda: small_resnet(in_channels=3, num_classes=4, channels=(4, 8), blocks_per_stage=2), (2, 3, 20, 20), (2, 4)),
])
def test_output_shapes(make, x_shape, y_shape):
    assert make()(torch.randn(*x_shape)).shape == y_shape


def test_lenet_parameter_count_and_slicing():
    net = LeNet()
    assert count_parameters(net) == 61_706
    assert net[:3](torch.randn(1, 1, 28, 28)).shape == (1, 6, 14, 14)  # slices are plain Sequentials


def test_residual_skip_flag_and_projection():
    plain = Residual(in_channels=4, out_channels=8, stride=2, skip=False)
    assert isinstance(plain.shortcut, nn.Identity)
    assert isinstance(Residual(in_channels=4, out_channels=8).shortcut, nn.Conv2d)
    assert isinstance(Residual(in_channels=4, out_channels=4).shortcut, nn.Identity)


# --- batch norm from scratch ----------------------------------------------------------------
@pytest.mark.parametrize("num_dims, shape, ref", [(4, (8, 3, 5, 5), nn.BatchNorm2d), (2, (16, 6), nn.BatchNorm1d)])
def test_batch_norm_matches_torch_in_train_and_eval(num_dims, shape, ref):
    torch.manual_seed(0)
    ours, theirs = BatchNorm(num_features=shape[1], num_dims=num_dims), ref(shape[1])
    for _ in range(3):
        X = 2 * torch.randn(*shape) + 1
        torch.testing.assert_close(ours(X), theirs(X), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(ours.moving_var, theirs.running_var, atol=1e-6, rtol=1e-6)
    ours.eval(), theirs.eval()
    X = torch.randn(*shape)
    torch.testing.assert_close(ours(X), theirs(X), atol=1e-5, rtol=1e-5)


def test_batch_norm_bad_input():
    g = torch.ones(3)
    with pytest.raises(ValueError, match="shape"):
        batch_norm(torch.randn(4, 3, 2), g, g, g, g)
    with pytest.raises(ValueError, match="gamma"):
        batch_norm(torch.randn(4, 5), g, g, g, g)
    with pytest.raises(ValueError, match="more than one"):
        batch_norm(torch.randn(1, 3), g, g, torch.zeros(3), torch.ones(3))
    with pytest.raises(ValueError, match="num_dims"):
        BatchNorm(num_features=3, num_dims=3)
    with pytest.raises(ValueError, match=r"\(n, 3, H, W\)"):
        BatchNorm(num_features=3)(torch.randn(2, 4, 5, 5))


# --- bad constructor arguments and inputs ---------------------------------------------------
@pytest.mark.parametrize("make, err, match", [
    (lambda: LeNet(in_channels=0), ValueError, "in_channels"),
    (lambda: LeNet(image_size=8), ValueError, "image_size >= 12"),
    (lambda: LeNet(num_classes=2.5), TypeError, "num_classes"),
    (lambda: VGGBlock(num_convs=0, in_channels=1, out_channels=4), ValueError, "num_convs"),
    (lambda: NiNBlock(in_channels=1, out_channels=4, kernel_size=-3), ValueError, "kernel_size"),
    (lambda: NiNBlock(in_channels=1, out_channels=4, kernel_size=3, padding=-1), ValueError, "padding"),
    (lambda: Inception(in_channels=4, c1=2, c2=4, c3=(1, 2), c4=1), TypeError, "c2"),
    (lambda: Inception(in_channels=4, c1=2, c2=(1, 0), c3=(1, 2), c4=1), ValueError, "c2"),
    (lambda: Residual(in_channels=4, out_channels=4, stride=0), ValueError, "stride"),
    (lambda: small_resnet(channels=()), ValueError, "channels"),
    (lambda: small_resnet(channels=(8, -1)), ValueError, "channels"),
    (lambda: count_parameters("net"), TypeError, "nn.Module"),
])
def test_bad_arguments(make, err, match):
    with pytest.raises(err, match=match):
        make()


@pytest.mark.parametrize("model, X", [
    (LeNet(), torch.randn(2, 3, 28, 28)),
    (LeNet(), torch.randn(2, 1, 32, 32)),
    (LeNet(), torch.randn(1, 28, 28)),
    (VGGBlock(num_convs=1, in_channels=3, out_channels=4), torch.randn(2, 1, 8, 8)),
    (NiNBlock(in_channels=2, out_channels=4, kernel_size=3), torch.randn(2, 1, 8, 8)),
    (Inception(in_channels=8, c1=2, c2=(3, 4), c3=(1, 2), c4=3), torch.randn(2, 4, 7, 7)),
    (Residual(in_channels=4, out_channels=4), torch.randn(2, 3, 8, 8)),
    (small_resnet(), torch.randn(2, 3, 28, 28)),
])
def test_wrong_input_shape_says_what_was_expected(model, X):
    with pytest.raises(ValueError, match="expects images of shape|was built for"):
        model(X)


def test_non_tensor_input():
    with pytest.raises(TypeError, match="torch.Tensor"):
        LeNet()([[0.0]])


# --- training on the CPU, and on each device ------------------------------------------------
def _blobs_images(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    X = torch.randn(n, 1, 12, 12, generator=g) * 0.3
    X[y == 1, :, 3:9, 3:9] += 1.0          # class 1 has a bright square in the middle
    return X, y


@pytest.mark.parametrize("device", [
    "cpu",
    pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA here")),
])
def test_models_train_on_each_device(device):
    X, y = _blobs_images()
    loader = d2l.make_loader(X, y, batch_size=16)
    for make in (lambda: LeNet(image_size=12, num_classes=2),
                 lambda: small_resnet(channels=(4, 8), num_classes=2),
                 lambda: nn.Sequential(NiNBlock(in_channels=1, out_channels=4, kernel_size=3, padding=1),
                                       Inception(in_channels=4, c1=2, c2=(2, 2), c3=(1, 2), c4=2),
                                       BatchNorm(num_features=8), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                       nn.Linear(8, 2))):
        d2l.set_seed(0)
        model = make()
        trainer = d2l.Trainer(max_epochs=8, device=device, metrics={"accuracy": d2l.accuracy}, callbacks=[])
        history = trainer.fit(model, loader, loss_fn=nn.CrossEntropyLoss(),
                              optimizer=torch.optim.Adam(model.parameters(), lr=1e-2))
        assert next(model.parameters()).device.type == device
        assert history["train_loss"][-1] < history["train_loss"][0]
        assert trainer.evaluate(model, loader)["accuracy"] > 0.9
