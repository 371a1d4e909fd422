import math

import pytest
import torch
from torch import nn

import d2lite as d2l


@pytest.fixture
def blobs():
    X, y = d2l.toy_2d("blobs", num_examples=256, noise=0.0, seed=0)
    return d2l.make_loader(X, y, batch_size=32), d2l.make_loader(X, y, batch_size=64, shuffle=False)


def _model():
    d2l.set_seed(0)
    return nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))


def _fit(trainer, loaders, lr=0.1):
    model = _model()
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    return model, trainer.fit(model, loaders[0], loss_fn=nn.CrossEntropyLoss(), optimizer=opt, val_loader=loaders[1])


def test_fit_learns_and_records_history(blobs):
    trainer = d2l.Trainer(max_epochs=8, metrics={"accuracy": d2l.accuracy}, callbacks=[])
    model, h = _fit(trainer, blobs)
    assert set(h) == {"train_loss", "train_accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 8 for v in h.values())
    assert h["train_loss"][-1] < 0.5 * h["train_loss"][0]
    assert h["val_accuracy"][-1] > 0.95
    again = trainer.evaluate(model, blobs[1], loss_fn=nn.CrossEntropyLoss())
    assert again["loss"] == pytest.approx(h["val_loss"][-1], rel=1e-6)


def test_evaluate_uses_eval_mode_and_no_grad(blobs):
    seen = {}

    class Spy(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)

        def forward(self, X):
            seen["training"], seen["grad"] = self.training, torch.is_grad_enabled()
            return self.lin(X)

    model = Spy()
    d2l.Trainer(max_epochs=1, callbacks=[]).evaluate(model, blobs[1])
    assert seen == {"training": False, "grad": False} and model.training


def test_same_seed_same_history(blobs):
    def run(seed):
        X, y = d2l.toy_2d("moons", num_examples=128, seed=0)
        loaders = d2l.make_loader(X, y, batch_size=16, seed=seed), d2l.make_loader(X, y, batch_size=64)
        return _fit(d2l.Trainer(max_epochs=3, callbacks=[]), loaders)[1]

    assert run(seed=1) == run(seed=1)
    assert run(seed=1) != run(seed=2)  # the shuffle order matters, so the check can fail


def test_early_stopping_stops_and_restores_best(blobs):
    stop = d2l.EarlyStopping(monitor="val_loss", patience=2, min_delta=1e-3)
    trainer = d2l.Trainer(max_epochs=50, callbacks=[stop])
    model, h = _fit(trainer, blobs)  # the easy blobs: the loss soon improves by < min_delta
    assert len(h["val_loss"]) < 50 and trainer.epoch == stop.best_epoch + 2
    best = trainer.evaluate(model, blobs[1], loss_fn=nn.CrossEntropyLoss())["loss"]
    assert best == pytest.approx(h["val_loss"][stop.best_epoch - 1], rel=1e-5)
    assert best != pytest.approx(h["val_loss"][-1], rel=1e-5)  # the last weights were replaced


def test_early_stopping_names_missing_key(blobs):
    trainer = d2l.Trainer(max_epochs=2, callbacks=[d2l.EarlyStopping(monitor="val_f1")])
    with pytest.raises(ValueError, match="val_f1"):
        _fit(trainer, blobs)


def test_callbacks_are_called_in_order(blobs):
    calls = []

    class Recorder(d2l.Callback):
        def on_fit_start(self, trainer):
            calls.append("start")

        def on_epoch_end(self, trainer, logs):
            calls.append(trainer.epoch)

        def on_fit_end(self, trainer):
            calls.append("end")

    _fit(d2l.Trainer(max_epochs=3, callbacks=[Recorder()]), blobs)
    assert calls == ["start", 1, 2, 3, "end"]


def test_default_callbacks_are_quiet_headless(blobs, capsys, monkeypatch):
    monkeypatch.setenv("D2LITE_HEADLESS", "1")
    kinds = {type(cb).__name__ for cb in d2l.default_callbacks()}
    assert kinds == {"LivePlot", "Summary"}
    _fit(d2l.Trainer(max_epochs=2), blobs)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("epoch 2/2: train_loss")


def test_live_plot_draws_one_panel_per_quantity(blobs):
    plot = d2l.LivePlot()
    _fit(d2l.Trainer(max_epochs=2, metrics={"accuracy": d2l.accuracy}, callbacks=[plot]), blobs)
    assert list(plot.axes) == ["loss", "accuracy"]
    assert len(plot.axes["loss"].lines) == 2  # train and val


def test_progress_bar_counts_epochs(blobs):
    bar = d2l.ProgressBar()
    _fit(d2l.Trainer(max_epochs=3, callbacks=[bar]), blobs)
    assert bar.bar.n == 3


def test_grad_clip_bounds_the_update(blobs):
    X, y = next(iter(blobs[0]))
    for clip in (None, 1e-3):
        model = _model()
        before = [p.detach().clone() for p in model.parameters()]
        opt = torch.optim.SGD(model.parameters(), lr=1.0)
        d2l.Trainer(max_epochs=1, callbacks=[], grad_clip=clip).fit(
            model, [(X, y)], loss_fn=nn.CrossEntropyLoss(), optimizer=opt)
        step = torch.sqrt(sum(((p - b) ** 2).sum() for p, b in zip(model.parameters(), before)))
        if clip is None:
            assert step > 1e-2
        else:
            assert step <= clip * 1.0001


def test_accuracy():
    y_hat = torch.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]])
    assert d2l.accuracy(y_hat, torch.tensor([0, 1, 1])).item() == pytest.approx(2 / 3)
    assert d2l.accuracy(torch.tensor([1.0, -1.0]), torch.tensor([1, 1])).item() == 0.5
    with pytest.raises(ValueError, match="labels"):
        d2l.accuracy(y_hat, torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="y_hat"):
        d2l.accuracy(torch.ones(2, 2, 2), torch.tensor([0, 1]))


@pytest.mark.parametrize("kwargs, err, match", [
    (dict(max_epochs=0), ValueError, "max_epochs"),
    (dict(max_epochs=1, metrics={"acc": 3}), TypeError, "metric"),
    (dict(max_epochs=1, callbacks=[print]), TypeError, "Callback"),
    (dict(max_epochs=1, grad_clip=-1), ValueError, "grad_clip"),
    (dict(max_epochs=1, device="gpu"), ValueError, "device"),
    (dict(max_epochs=1, channels_last="yes"), TypeError, "channels_last must be True, False or None, got 'yes'"),
])
def test_trainer_bad_settings(kwargs, err, match):
    with pytest.raises(err, match=match):
        d2l.Trainer(**kwargs)


def test_fit_bad_arguments(blobs):
    trainer, model = d2l.Trainer(max_epochs=1, callbacks=[]), _model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = nn.CrossEntropyLoss()
    with pytest.raises(TypeError, match="nn.Module"):
        trainer.fit(lambda X: X, blobs[0], loss_fn=loss, optimizer=opt)
    with pytest.raises(TypeError, match="Optimizer"):
        trainer.fit(model, blobs[0], loss_fn=loss, optimizer="sgd")
    with pytest.raises(ValueError, match="no batches"):
        trainer.fit(model, [], loss_fn=loss, optimizer=opt)
    with pytest.raises(ValueError, match=r"pair \(X, y\)"):
        trainer.fit(model, [torch.ones(2, 2)], loss_fn=loss, optimizer=opt)


@pytest.mark.parametrize("device", [
    "cpu",
    pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA here")),
    pytest.param("mps", marks=pytest.mark.skipif(not d2l.device._available("mps"), reason="no MPS here")),
])
def test_trainer_runs_on_each_device(blobs, device):
    trainer = d2l.Trainer(max_epochs=2, device=device, metrics={"accuracy": d2l.accuracy}, callbacks=[])
    model, h = _fit(trainer, blobs)
    assert next(model.parameters()).device.type == device
    assert h["val_accuracy"][-1] > 0.9


class _SeesLayout(nn.Module):
    """A small CNN that records the memory order of the batches it is given."""

    def __init__(self):
        super().__init__()
        d2l.set_seed(0)
        self.net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.Flatten(), nn.Linear(8 * 4 * 4, 2))
        self.seen = []

    def forward(self, X):
        self.seen.append(X.is_contiguous(memory_format=torch.channels_last) and not X.is_contiguous())
        return self.net(X)


@pytest.fixture
def images():
    g = torch.Generator().manual_seed(0)
    X = torch.rand(96, 3, 8, 8, generator=g)
    return X, (X[:, 0].mean((1, 2)) > X[:, 1].mean((1, 2))).long()


def _fit_images(images, **kwargs):
    loaders = d2l.make_loader(*images, batch_size=32), d2l.make_loader(*images, batch_size=48, shuffle=False)
    model = _SeesLayout()
    trainer = d2l.Trainer(max_epochs=3, callbacks=[], **kwargs)
    h = trainer.fit(model, loaders[0], loss_fn=nn.CrossEntropyLoss(),
                    optimizer=torch.optim.Adam(model.parameters(), lr=1e-2), val_loader=loaders[1])
    return model, h


def test_channels_last_default_for_convolutions_on_cpu(images):
    assert d2l.uses_channels_last(_SeesLayout(), "cpu") and not d2l.uses_channels_last(_model(), "cpu")
    assert not d2l.uses_channels_last(_SeesLayout(), "mps")
    model, h = _fit_images(images)
    assert model.seen and all(model.seen)                       # every batch, training and evaluation
    assert model.net[0].weight.is_contiguous(memory_format=torch.channels_last)
    plain, h_plain = _fit_images(images, channels_last=False)
    assert not any(plain.seen) and plain.net[0].weight.is_contiguous()
    # the same computation in another memory order: equal up to rounding
    assert h["train_loss"] == pytest.approx(h_plain["train_loss"], rel=1e-4)
    assert h["val_loss"] == pytest.approx(h_plain["val_loss"], rel=1e-4)


def test_channels_last_avoids_the_1x1_strided_convolution_onednn_gets_wrong():
    # uxlfoundation/oneDNN#6035: 1x1, stride 2, fewer input channels than its vector block
    assert not d2l.uses_channels_last(d2l.small_resnet(channels=(4, 8)), "cpu")
    assert d2l.uses_channels_last(d2l.small_resnet(channels=(16, 32)), "cpu")
    assert d2l.uses_channels_last(nn.Conv2d(4, 8, 1), "cpu") and d2l.uses_channels_last(nn.Conv2d(4, 8, 3, 2), "cpu")


@pytest.mark.parametrize("make", [
    lambda: d2l.LeNet(),
    lambda: d2l.small_resnet(),
    lambda: nn.Sequential(d2l.NiNBlock(in_channels=1, out_channels=8, kernel_size=5, padding=2), nn.MaxPool2d(3, 2),
                          d2l.Inception(in_channels=8, c1=8, c2=(8, 16), c3=(4, 8), c4=8), d2l.BatchNorm(num_features=40),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(40, 10)),
    lambda: nn.Sequential(d2l.VGGBlock(num_convs=2, in_channels=1, out_channels=8), nn.Flatten(), nn.LazyLinear(10)),
], ids=["lenet", "resnet", "nin-inception", "vgg"])
def test_channels_last_gives_the_same_gradients_for_the_books_cnns(make):
    """The layout the Trainer picks for d2lite's networks computes what the default layout does."""
    X = torch.randn(32, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    grads = []
    for fmt in (torch.contiguous_format, torch.channels_last):
        d2l.set_seed(0)
        model = make()
        assert fmt == torch.contiguous_format or d2l.uses_channels_last(model, "cpu")
        model(X[:1])                               # materialise lazy layers before changing the layout
        model.to(memory_format=fmt)
        out = model(X.contiguous(memory_format=fmt))
        (out * torch.linspace(-1, 1, out.numel()).reshape(out.shape)).sum().backward()
        grads.append([p.grad for p in model.parameters()])
    scale = max(float(g.abs().max()) for g in grads[0])
    worst = max(float((a - b).abs().max()) for a, b in zip(*grads))
    assert worst < 1e-4 * scale          # rounding; the oneDNN bug above is off by up to 600x


def test_channels_last_leaves_other_inputs_alone(blobs):
    trainer = d2l.Trainer(max_epochs=1, callbacks=[], channels_last=True)   # forced on an MLP: 2-D batches pass as they are
    model, h = _fit(trainer, blobs)
    assert len(h["train_loss"]) == 1
    with pytest.raises(TypeError, match="nn.Module"):
        d2l.uses_channels_last("a model", "cpu")


# ----------------------------------------------------------- any batch, per-batch hooks, schedules
def test_batch_loss_trains_on_any_batch_like_loss_fn():
    """Dict batches through batch_loss compute what (X, y) batches through loss_fn do."""
    X, y = d2l.toy_2d("blobs", num_examples=256, noise=0.0, seed=0)

    class Dicts:  # re-iterable, like a DataLoader
        def __init__(self, loader):
            self.loader = loader

        def __iter__(self):
            return ({"x": X, "label": y} for X, y in self.loader)

    def loaders():
        return d2l.make_loader(X, y, batch_size=32, seed=0), d2l.make_loader(X, y, batch_size=64, shuffle=False)

    h_pairs = _fit(d2l.Trainer(max_epochs=3, callbacks=[]), loaders())[1]
    model, (train, val) = _model(), loaders()

    def batch_loss(model, batch):
        return nn.functional.cross_entropy(model(batch["x"]), batch["label"]), len(batch["label"])

    trainer = d2l.Trainer(max_epochs=3, callbacks=[])
    h = trainer.fit(model, Dicts(train), batch_loss=batch_loss, optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                    val_loader=Dicts(val))
    assert h.keys() == h_pairs.keys() and all(h[k] == pytest.approx(h_pairs[k], rel=1e-6) for k in h)
    assert trainer.evaluate(model, Dicts(val), batch_loss=batch_loss)["loss"] == pytest.approx(h["val_loss"][-1])


def test_on_batch_end_sees_every_step_and_its_loss(blobs):
    seen = []
    probe = d2l.LambdaCallback(on_batch_end=lambda trainer, loss: seen.append((trainer.steps, float(loss))))
    trainer = d2l.Trainer(max_epochs=2, callbacks=[probe])
    h = _fit(trainer, blobs)[1]
    n = len(blobs[0])
    assert [s for s, _ in seen] == list(range(1, 2 * n + 1)) and trainer.steps == 2 * n
    batch_sizes = [len(y) for _, y in blobs[0]]
    first_epoch = sum(loss * b for (_, loss), b in zip(seen[:n], batch_sizes)) / sum(batch_sizes)
    assert first_epoch == pytest.approx(h["train_loss"][0], rel=1e-5)


def test_grad_norm_is_measured_before_clipping_and_inf_clips_nothing(blobs):
    X, y = next(iter(blobs[0]))
    norms = {}
    for clip in (1e-3, math.inf):
        model = _model()
        trainer = d2l.Trainer(max_epochs=1, grad_clip=clip, callbacks=[])
        trainer.fit(model, [(X, y)], loss_fn=nn.CrossEntropyLoss(), optimizer=torch.optim.SGD(model.parameters(), lr=1.0))
        norms[clip] = float(trainer.grad_norm)
    assert norms[1e-3] == pytest.approx(norms[math.inf]) and norms[math.inf] > 1e-2
    assert d2l.Trainer(max_epochs=1, callbacks=[]).grad_norm is None


@pytest.mark.parametrize("every", ["epoch", "batch"])
def test_lr_scheduler_steps_every_epoch_or_batch(blobs, every):
    model = _model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    lrs = []
    watch = d2l.LambdaCallback(on_epoch_end=lambda trainer, logs: lrs.append(opt.param_groups[0]["lr"]))
    d2l.Trainer(max_epochs=2, callbacks=[d2l.LRScheduler(sched, every=every), watch]).fit(
        model, blobs[0], loss_fn=nn.CrossEntropyLoss(), optimizer=opt)
    per_epoch = 1 if every == "epoch" else len(blobs[0])
    assert lrs == pytest.approx([0.1 * 0.5 ** per_epoch, 0.1 * 0.5 ** (2 * per_epoch)])


def test_lr_scheduler_on_plateau_reads_the_monitored_log(blobs):
    model = _model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.5, threshold=10.0)
    trainer = d2l.Trainer(max_epochs=3, callbacks=[d2l.LRScheduler(plateau, monitor="val_loss")])
    trainer.fit(model, blobs[0], loss_fn=nn.CrossEntropyLoss(), optimizer=opt, val_loader=blobs[1])
    assert opt.param_groups[0]["lr"] < 0.1  # a 10x relative improvement never comes: it halves
    with pytest.raises(ValueError, match="val_f1"):
        d2l.Trainer(max_epochs=1, callbacks=[d2l.LRScheduler(plateau, monitor="val_f1")]).fit(
            model, blobs[0], loss_fn=nn.CrossEntropyLoss(), optimizer=opt)


def test_on_fit_end_runs_when_training_fails(blobs):
    calls, bar = [], d2l.ProgressBar()

    class Boom(d2l.Callback):
        def on_epoch_end(self, trainer, logs):
            raise RuntimeError("boom")

        def on_fit_end(self, trainer):
            calls.append(("end", trainer.epoch, dict(trainer.history)))

    trainer = d2l.Trainer(max_epochs=5, callbacks=[bar, Boom()])
    with pytest.raises(RuntimeError, match="boom"):
        _fit(trainer, blobs)
    assert calls[0][:2] == ("end", 1) and len(calls[0][2]["train_loss"]) == 1
    assert bar.bar.n == 1 and bar.bar.disable  # tqdm.close() sets disable: the bar was closed
    assert trainer.seconds >= 0


@pytest.mark.parametrize("kwargs, err, match", [
    (dict(grad_clip="1.0"), TypeError, "grad_clip"),
    (dict(grad_clip=float("nan")), ValueError, "grad_clip"),
    (dict(grad_clip=0), ValueError, "grad_clip"),
    (dict(grad_clip=True), TypeError, "grad_clip"),
    (dict(max_epochs="3"), TypeError, "max_epochs"),
    (dict(max_epochs=2.5), TypeError, "max_epochs"),
    (dict(metrics=[d2l.accuracy]), TypeError, "metrics"),
    (dict(callbacks=d2l.Summary()), TypeError, "callbacks"),
    (dict(device=3), TypeError, "device"),
])
def test_trainer_more_bad_settings(kwargs, err, match):
    with pytest.raises(err, match=match):
        d2l.Trainer(**{"max_epochs": 1, **kwargs})


@pytest.mark.parametrize("make, err, match", [
    (lambda: d2l.LivePlot(every=0), ValueError, "every"),
    (lambda: d2l.LivePlot(every="x"), TypeError, "every"),
    (lambda: d2l.EarlyStopping(monitor=3), TypeError, "monitor"),
    (lambda: d2l.EarlyStopping(min_delta="x"), TypeError, "min_delta"),
    (lambda: d2l.EarlyStopping(min_delta=-1), ValueError, "min_delta"),
    (lambda: d2l.EarlyStopping(restore_best="x"), TypeError, "restore_best"),
    (lambda: d2l.EarlyStopping(patience=0), ValueError, "patience"),
    (lambda: d2l.EarlyStopping(patience="3"), TypeError, "patience"),
    (lambda: d2l.EarlyStopping(mode="best"), ValueError, "mode"),
    (lambda: d2l.LRScheduler("cosine"), TypeError, "scheduler"),
    (lambda: d2l.LRScheduler(_sched(), every="step"), ValueError, "every"),
    (lambda: d2l.LRScheduler(_sched(), monitor="val_loss"), ValueError, "monitor"),
    (lambda: d2l.LambdaCallback(on_batch_end="print"), TypeError, "on_batch_end"),
])
def test_callback_bad_settings(make, err, match):
    with pytest.raises(err, match=match):
        make()


def _sched():
    opt = torch.optim.SGD(_model().parameters(), lr=0.1)
    return torch.optim.lr_scheduler.StepLR(opt, step_size=1)


def test_fit_bad_loss_arguments(blobs):
    model = _model()
    opt, loss = torch.optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss()
    trainer = d2l.Trainer(max_epochs=1, callbacks=[])
    with pytest.raises(ValueError, match="both"):
        trainer.fit(model, blobs[0], loss_fn=loss, batch_loss=lambda m, b: (loss(m(b[0]), b[1]), 1), optimizer=opt)
    with pytest.raises(ValueError, match="neither"):
        trainer.fit(model, blobs[0], optimizer=opt)
    with pytest.raises(TypeError, match="batch_loss must be callable"):
        trainer.fit(model, blobs[0], batch_loss="mse", optimizer=opt)
    with pytest.raises(TypeError, match=r"batch_loss must return a pair \(loss tensor, n\)"):
        trainer.fit(model, blobs[0], batch_loss=lambda m, b: loss(m(b[0]), b[1]), optimizer=opt)
    with pytest.raises(TypeError, match="train_loader"):
        trainer.fit(model, 3, loss_fn=loss, optimizer=opt)
    with pytest.raises(TypeError, match="val_loader"):
        trainer.fit(model, blobs[0], loss_fn=loss, optimizer=opt, val_loader=3)
    with pytest.raises(ValueError, match="metrics"):
        d2l.Trainer(max_epochs=1, metrics={"accuracy": d2l.accuracy}, callbacks=[]).fit(
            model, blobs[0], batch_loss=lambda m, b: (loss(m(b[0]), b[1]), 1), optimizer=opt)
