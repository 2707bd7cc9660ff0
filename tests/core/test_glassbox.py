"""The numbers behind the glass-box views, each against an independent computation."""

import json

import numpy as np
import pytest

from glassnet import glassbox, webapi
from glassnet.data import encode_idx
from glassnet.errors import ConfigError, NotReadyError
from glassnet.gradcheck import assert_close, numeric_grad
from glassnet.network import build_mlp
from glassnet.presets import make_config
from glassnet.train import Trainer

from ..conftest import make_dataset


def test_saliency_matches_finite_differences():
    model = build_mlp([12, 8], "tanh", batchnorm=True, seed=3, inputs=20, classes=4,
                      dtype=np.float64)
    model.forward(np.random.default_rng(0).standard_normal((16, 20)), training=True)  # BN stats
    x = np.random.default_rng(1).standard_normal(20)
    grad, target = glassbox.saliency(model, x, target=2)
    assert target == 2
    numeric = numeric_grad(lambda: float(model.forward(x[None, :], training=False)[0, 2]), x)
    assert_close(grad, numeric, tol=1e-5)


def test_saliency_defaults_to_the_predicted_class():
    model = build_mlp([8], seed=0, inputs=6, classes=3, dtype=np.float64)
    x = np.linspace(-1, 1, 6)
    _, target = glassbox.saliency(model, x)
    assert target == int(np.argmax(model.forward(x[None, :])[0]))


def test_mistakes_and_confusion_cells_by_hand():
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7], [0.55, 0.45]])
    labels = np.array([0, 0, 1, 1, 1])
    # wrong: index 1 (0.8 sure), 2 (0.6), 4 (0.55); most confident first
    assert glassbox.mistakes(probs, labels).tolist() == [1, 2, 4]
    preds = probs.argmax(axis=1)
    assert glassbox.cell_examples(preds, labels, true=1, predicted=0).tolist() == [2, 4]
    assert glassbox.cell_examples(preds, labels, true=1, predicted=1).tolist() == [3]


def test_weights_view_is_the_first_dense_layer():
    model = build_mlp([20], seed=0)
    view = glassbox.first_layer_weights(model, limit=8)
    assert view["weights"].shape == (8, 784) and view["units"] == 20 and view["shown"] == 8
    np.testing.assert_array_equal(view["weights"][3], model.layers[0].W[:, 3])
    assert view["scale"] == pytest.approx(np.abs(model.layers[0].W[:, :8]).max())
    assert view["scales"] == pytest.approx(np.abs(model.layers[0].W[:, :8]).max(axis=0).tolist())


def test_activations_are_the_forward_pass():
    model = build_mlp([16, 8], seed=0)
    x = np.random.default_rng(0).random(784, dtype=np.float32)
    layers = glassbox.activations(model, x)
    assert [layer["type"] for layer in layers] == ["Dense", "ReLU", "Dense", "ReLU", "Dense"]
    np.testing.assert_allclose(layers[-1]["values"], model.forward(x[None, :])[0], rtol=1e-6)
    assert np.all(layers[1]["values"] >= 0)


def test_update_ratio_against_a_hand_computed_sgd_step(small_data):
    config = make_config({"layers": [8], "optimizer": "sgd", "lr": 0.1, "batch_size": 16,
                          "schedule": "constant"})
    trainer = Trainer(config, small_data)
    x, y = trainer.next_batch()
    w_before = trainer.model.layers[0].W.copy()
    report = glassbox.inspect_step(trainer, x, y)
    dense = report["layers"][0]["params"][0]
    grad = trainer.model.layers[0].dW
    # plain SGD: delta w = lr * g, so ||delta w|| = lr * ||g|| and the ratio divides by ||w||
    assert dense["update_norm"] == pytest.approx(0.1 * np.linalg.norm(grad), rel=1e-4)
    assert dense["grad_norm"] == pytest.approx(np.linalg.norm(grad), rel=1e-5)
    assert dense["update_ratio"] == pytest.approx(dense["update_norm"] / np.linalg.norm(w_before),
                                                  rel=1e-5)
    assert report["step"] == 1 and report["batch_size"] == 16
    assert [layer["type"] for layer in report["layers"]] == ["Dense", "ReLU", "Dense"]
    assert 0 <= report["layers"][1]["output_zero_fraction"] <= 1


def test_deep_sigmoid_shows_vanishing_gradients(small_data):
    config = make_config({"layers": [32] * 10, "activation": "sigmoid", "optimizer": "sgd",
                          "lr": 0.1, "batch_size": 32})
    trainer = Trainer(config, small_data)
    report = glassbox.inspect_step(trainer, *trainer.next_batch())
    dense = [layer["params"][0]["grad_norm"] for layer in report["layers"] if layer["type"] == "Dense"]
    assert dense[0] < dense[-1] / 100  # the first layer barely hears the loss


def test_fine_tune_on_drawings_changes_the_prediction():
    model = build_mlp([32], seed=0)
    drawing = np.zeros((1, 784), np.float32)
    drawing[0, 300:320] = 1.0
    before = int(np.argmax(model.forward(drawing)[0]))
    target = (before + 1) % 10
    losses = glassbox.fine_tune(model, drawing, np.array([target]), steps=15, lr=0.01)
    assert losses[-1] < losses[0]
    assert int(np.argmax(model.forward(drawing)[0])) == target


@pytest.fixture
def api():
    webapi.reset()
    d = make_dataset()
    webapi.load_data(*[encode_idx(a) for a in (d.train_images, d.train_labels, d.test_images,
                                               d.test_labels)])
    yield webapi
    webapi.reset()


def canvas(label):
    img = np.zeros((56, 56, 4), np.uint8)
    img[..., 3] = 255
    img[4 * label + 2:4 * label + 10, 5:50, :3] = 255
    return img.tobytes()


def test_webapi_glass_box_calls_are_json_able(api):
    api.start({"layers": [16], "epochs": 1})
    with pytest.raises(NotReadyError, match="no evaluation yet"):  # before evaluate()
        api.mistakes()
    report = api.step({"layers": [16], "epochs": 1})
    assert report["step"] == 1 and "error" not in report
    assert api.step()["step"] == 2
    while not api.run(1.0)["finished"]:
        pass
    ev = api.evaluate()
    cell = api.confusion_cell(3, 3)["items"]
    assert all(i["label"] == 3 and i["prediction"] == 3 for i in cell)
    assert len(cell) == ev["confusion"][3][3] or len(cell) == 24
    wrong = api.mistakes(5)["items"]
    assert all(i["label"] != i["prediction"] for i in wrong)
    view = api.inspect_input(test_index=7)
    assert view["label"] == api.test_labels()[7] and len(view["saliency"]) == 784
    drawn = api.inspect_input(canvas(2), 56, 56, 4, target=5)
    assert drawn["target"] == 5 and drawn["label"] is None
    assert api.add_example(canvas(2), 56, 56, 4, 2) == {"examples": 1}
    tuned = api.fine_tune(steps=3)
    assert len(tuned["losses"]) == 3
    weights = api.weights(4)
    assert len(weights["weights"]) == 4 and len(weights["weights"][0]) == 784
    json.dumps([report, ev, cell, wrong, view, drawn, tuned, weights], allow_nan=False)
    assert api.clear_examples() == {"examples": 0}


def test_webapi_glass_box_errors(api):
    api.start({"layers": [8], "epochs": 1})
    with pytest.raises(NotReadyError, match="no examples"):
        api.fine_tune()
    with pytest.raises(ConfigError, match="empty"):
        api.add_example(bytes(56 * 56 * 4), 56, 56, 4, 1)
    with pytest.raises(ConfigError, match="not a class"):
        api.add_example(canvas(1), 56, 56, 4, 10)
    with pytest.raises(ConfigError, match="does not exist"):
        api.inspect_input(test_index=10 ** 6)
    api.start({"layers": [64, 64, 64], "activation": "leaky_relu", "optimizer": "sgd",
               "lr": 10.0, "epochs": 1})
    diverged = api.step()
    for _ in range(20):
        if "error" in diverged:
            break
        diverged = api.step()
    assert "Lower the learning rate" in diverged["error"]["hint"]
    assert diverged["error"]["message"].startswith("training diverged: the loss became")


def test_health_words_and_the_gradient_verdict_come_from_python():
    assert [glassbox.health(r) for r in (None, 1e-7, 1e-3, 0.5)] == ["", "stalled", "healthy", "unstable"]
    layer = lambda g: {"params": [{"name": "W", "grad_norm": g}]}  # noqa: E731
    assert "vanishing" in glassbox.gradient_verdict([layer(1e-6), layer(1.0)], lr=0.1)
    assert "exploding" in glassbox.gradient_verdict([layer(1.0), layer(1e-6)], lr=0.1)
    assert "similar" in glassbox.gradient_verdict([layer(1.0), layer(2.0)], lr=0.1)
    assert "schedule has ended" in glassbox.gradient_verdict([], lr=0)
