import numpy as np
import pytest

from glassnet.gradcheck import assert_close, numeric_grad
from glassnet.losses import add_l2_grad, l2_penalty, log_softmax, softmax, softmax_cross_entropy


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy_gradient(smoothing):
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((5, 4))
    labels = rng.integers(0, 4, 5)
    _, grad = softmax_cross_entropy(logits, labels, smoothing)
    numeric = numeric_grad(lambda: softmax_cross_entropy(logits, labels, smoothing)[0], logits)
    assert_close(grad, numeric)


def test_cross_entropy_value_by_hand():
    logits = np.array([[0.0, np.log(3.0)]])  # probabilities 1/4, 3/4
    loss, grad = softmax_cross_entropy(logits, np.array([1]))
    assert loss == pytest.approx(-np.log(0.75))
    np.testing.assert_allclose(grad, [[0.25, -0.25]])


def test_stable_for_huge_logits():
    logits = np.array([[1000.0, 0.0, -1000.0]], dtype=np.float32)
    loss, grad = softmax_cross_entropy(logits, np.array([0]))
    assert loss == pytest.approx(0.0, abs=1e-6)
    assert np.all(np.isfinite(grad))
    loss, _ = softmax_cross_entropy(logits, np.array([2]))
    assert loss == pytest.approx(2000.0)
    np.testing.assert_allclose(softmax(logits).sum(), 1.0)
    assert np.all(np.isfinite(log_softmax(logits)))


def test_l2_penalty_and_gradient_skip_biases():
    w, b = np.array([[1.0, 2.0]]), np.array([3.0])
    assert l2_penalty([w, b], [True, False], 0.1) == pytest.approx(0.5 * 0.1 * 5.0)
    assert l2_penalty([w, b], [True, False], 0.0) == 0.0
    gw, gb = np.zeros_like(w), np.zeros_like(b)
    add_l2_grad([w, b], [gw, gb], [True, False], 0.1)
    np.testing.assert_allclose(gw, [[0.1, 0.2]])
    np.testing.assert_allclose(gb, [0.0])
    numeric = numeric_grad(lambda: l2_penalty([w, b], [True, False], 0.1), w)
    assert_close(gw, numeric)
