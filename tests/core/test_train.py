import math

import numpy as np
import pytest

from glassnet.presets import make_config
from glassnet.train import Trainer, evaluate, predict_proba


def run(config, data):
    return list(Trainer(config, data).events())


def quick(**kw):
    base = dict(preset="default", layers=[32], epochs=2, batch_size=32, seed=0, lr=0.003)
    base.update(kw)
    return make_config(base)


def test_learns_the_small_data_set(small_data):
    events = run(quick(epochs=3), small_data)
    epochs = [e for e in events if e["event"] == "epoch"]
    assert [e["epoch"] for e in epochs] == [1, 2, 3]
    assert epochs[-1]["test_accuracy"] > 0.9  # chance is 0.1
    assert epochs[-1]["train_loss"] < epochs[0]["train_loss"]
    assert events[-1]["event"] == "done" and events[-1]["test_accuracy"] == epochs[-1]["test_accuracy"]
    batches = [e for e in events if e["event"] == "batch"]
    assert len(batches) == 3 * math.ceil(600 / 32)
    assert [b["step"] for b in batches] == list(range(1, len(batches) + 1))
    for key in ("epoch", "step", "loss", "lr", "examples_per_s"):
        assert key in batches[0]
    for key in ("epochs", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "seconds"):
        assert key in epochs[0]


def test_same_seed_same_numbers(small_data):
    def numbers(seed):
        return [(e["loss"] if e["event"] == "batch" else e.get("test_loss"))
                for e in run(quick(seed=seed, dropout=0.2, augment=True, shift=1), small_data)
                if e["event"] in ("batch", "epoch")]

    assert numbers(3) == numbers(3)
    assert numbers(3) != numbers(4)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"])
def test_every_optimizer_learns(optimizer, small_data):
    lr = {"sgd": 0.1, "momentum": 0.02, "nesterov": 0.02}.get(optimizer, 0.003)
    events = run(quick(optimizer=optimizer, lr=lr, weight_decay=0.001), small_data)
    assert events[-1]["event"] == "done" and events[-1]["test_accuracy"] > 0.6


def test_nan_divergence_is_an_event_not_a_crash(small_data):
    events = run(quick(optimizer="sgd", lr=10.0, activation="leaky_relu", layers=[64, 64, 64]),
                 small_data)
    last = events[-1]
    assert last["event"] == "error", last
    assert "diverged" in last["message"] and f"step {last['step']}" in last["message"]
    assert "Lower the learning rate" in last["hint"]
    assert all(e["event"] == "batch" for e in events[:-1])


def test_stop_request_ends_with_a_stopped_event(small_data):
    trainer = Trainer(quick(epochs=5), small_data)
    events = []
    for event in trainer.events():
        events.append(event)
        if event["event"] == "batch" and event["step"] == 7:
            trainer.request_stop()
    assert events[-1] == {"event": "stopped", "epoch": 1, "step": 7,
                          "seconds": events[-1]["seconds"]}
    assert len(events) == 8


def test_pause_is_just_not_pulling_and_resume_continues_identically(small_data):
    straight = [e.get("loss") for e in run(quick(), small_data) if e["event"] == "batch"]
    trainer = Trainer(quick(), small_data)
    gen = trainer.events()
    first = [next(gen) for _ in range(5)]
    # ... paused here: the model can be used for predictions meanwhile ...
    predict_proba(trainer.model, np.zeros((1, 784), np.float32))
    rest = list(gen)
    resumed = [e.get("loss") for e in first + rest if e["event"] == "batch"]
    assert resumed == straight


def test_learning_rate_change_takes_effect_next_batch(small_data):
    trainer = Trainer(quick(schedule="constant"), small_data)
    gen = trainer.events()
    assert next(gen)["lr"] == pytest.approx(0.003)
    trainer.set_learning_rate(0.0005)
    assert next(gen)["lr"] == pytest.approx(0.0005)
    with pytest.raises(ValueError):
        trainer.set_learning_rate(-1)


def test_schedule_reaches_the_optimizer(small_data):
    events = run(quick(schedule="cosine", warmup_epochs=1, epochs=2), small_data)
    lrs = [e["lr"] for e in events if e["event"] == "batch"]
    assert lrs[0] < lrs[len(lrs) // 2 - 1]  # warming up
    assert lrs[-1] < 0.0001  # cosine to zero


def test_clipping_and_l2_and_batchnorm_train(small_data):
    events = run(quick(clip=1.0, weight_decay=0.01, optimizer="adam", batchnorm=True,
                       dropout=0.1, label_smoothing=0.1), small_data)
    assert events[-1]["event"] == "done" and events[-1]["test_accuracy"] > 0.8


def test_validation_split_reports_on_held_out_training_data(small_data):
    trainer = Trainer(quick(val_split=0.25, epochs=1), small_data)
    assert len(trainer.data.test_labels) == 150
    assert list(trainer.events())[-1]["event"] == "done"


def test_evaluate_gives_confusion_and_per_class(small_data):
    trainer = Trainer(quick(), small_data)
    list(trainer.events())
    result = evaluate(trainer.model, small_data.test_images, small_data.test_labels)
    assert result["confusion"].shape == (10, 10)
    assert result["confusion"].sum() == 200
    assert result["accuracy"] == pytest.approx(np.trace(result["confusion"]) / 200)
    assert result["per_class_accuracy"].shape == (10,)
    probs = predict_proba(trainer.model, np.zeros((3, 784), np.float32))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.realdata
@pytest.mark.slow
def test_default_preset_one_epoch_on_the_real_data(real_data_dir):
    from glassnet.data import load_dir

    events = run(make_config({"preset": "default", "epochs": 1}), load_dir(real_data_dir))
    assert events[-1]["event"] == "done" and events[-1]["test_accuracy"] > 0.82


def test_weight_average_by_hand_and_used_for_the_final_model(small_data):
    trainer = Trainer(quick(ema=0.5, epochs=1), small_data)
    w = trainer.model.params[0]
    seen = [w.copy()]
    for _ in range(2):
        trainer.train_step(*trainer.next_batch())
        seen.append(w.copy())
    expected = 0.25 * seen[0] + 0.25 * seen[1] + 0.5 * seen[2]
    np.testing.assert_allclose(trainer.averaged_params[0], expected, rtol=1e-5, atol=1e-7)
    # through a whole run: evaluation and the finished model use the average, not the last step
    trainer = Trainer(quick(ema=0.9, epochs=1), small_data)
    events = list(trainer.events())
    np.testing.assert_array_equal(trainer.model.params[0], trainer.averaged_params[0])
    result = evaluate(trainer.model, small_data.test_images, small_data.test_labels)
    assert result["loss"] == pytest.approx(events[-2]["test_loss"])


def test_evaluate_can_keep_the_probabilities_of_the_same_pass(small_data):
    trainer = Trainer(quick(epochs=1), small_data)
    list(trainer.events())
    result = evaluate(trainer.model, small_data.test_images, small_data.test_labels,
                      keep_probabilities=True)
    assert "probabilities" not in evaluate(trainer.model, small_data.test_images,
                                           small_data.test_labels)
    probs = result["probabilities"]
    assert probs.shape == (200, 10)
    np.testing.assert_array_equal(probs.argmax(axis=1), result["predictions"])
    from glassnet.data import to_float
    np.testing.assert_allclose(probs, predict_proba(trainer.model, to_float(small_data.test_images)),
                               rtol=1e-5, atol=1e-7)


def test_sample_events_move_inside_the_first_epoch():
    from glassnet.presets import make_config
    from glassnet.train import Trainer

    from ..conftest import make_dataset

    trainer = Trainer(make_config({"layers": [16], "epochs": 1, "batch_size": 32}), make_dataset(),
                      sample_every=5, sample_size=50)
    samples = [e for e in trainer.events() if e["event"] == "sample"]
    assert [e["step"] for e in samples] == [5, 10, 15]  # not at the epoch's end (19 steps)
    assert all(0 <= e["sample_accuracy"] <= 1 and e["sample_size"] == 50 for e in samples)
    assert samples[-1]["progress"] == 15 / 19
    quiet = Trainer(make_config({"layers": [16], "epochs": 1, "batch_size": 32}), make_dataset())
    assert not any(e["event"] == "sample" for e in quiet.events())


def test_evaluating_on_mirrors_too_averages_the_two_views(small_data):
    from glassnet.data import to_float
    from glassnet.train import mirrored

    trainer = Trainer(quick(epochs=1, test_flip=True), small_data)
    events = list(trainer.events())
    x = to_float(small_data.test_images)
    flipped = mirrored(x)
    assert np.array_equal(flipped.reshape(-1, 28, 28)[:, :, 0], x.reshape(-1, 28, 28)[:, :, -1])
    logits = 0.5 * (trainer.model.forward(x) + trainer.model.forward(flipped))
    both = evaluate(trainer.model, small_data.test_images, small_data.test_labels, mirror=True)
    np.testing.assert_array_equal(both["predictions"], logits.argmax(axis=1))
    assert events[-1]["test_accuracy"] == pytest.approx(both["accuracy"])  # the run used it
    one = evaluate(trainer.model, small_data.test_images, small_data.test_labels)
    np.testing.assert_array_equal(one["predictions"], trainer.model.forward(x).argmax(axis=1))
