import numpy as np
import pytest

from glassnet.activations import ACTIVATIONS, Sigmoid
from glassnet.gradcheck import assert_close, numeric_grad
from glassnet.layers import BatchNorm, Dense, Dropout, Sequential
from glassnet.network import build_mlp, layer_from_spec


def check_layer(layer, x, training=True, reseed=None):
    rng = np.random.default_rng(1)
    out_shape = layer.forward(x, training).shape
    r = rng.standard_normal(out_shape)  # a random projection makes the output a scalar

    def f():
        if reseed:
            reseed()
        return float(np.sum(layer.forward(x, training) * r))

    f()
    grad_x = layer.backward(r)
    assert_close(grad_x, numeric_grad(f, x))
    for p, g in zip(layer.params, layer.grads):
        f()
        layer.backward(r)
        analytic = g.copy()
        assert_close(analytic, numeric_grad(f, p))


@pytest.mark.parametrize("init", ["he", "glorot"])
def test_dense_gradients(init):
    rng = np.random.default_rng(0)
    layer = Dense(5, 4, init, rng, dtype=np.float64)
    layer.b[...] = rng.standard_normal(4)
    check_layer(layer, rng.standard_normal((3, 5)))


def test_dropout_gradients_with_a_fixed_mask():
    layer = Dropout(0.4)

    def reseed():
        layer.rng = np.random.default_rng(7)

    reseed()
    check_layer(layer, np.random.default_rng(3).standard_normal((5, 8)), reseed=reseed)


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_gradients(training):
    rng = np.random.default_rng(4)
    layer = BatchNorm(3, dtype=np.float64)
    layer.gamma[...] = rng.uniform(0.5, 1.5, 3)
    layer.beta[...] = rng.standard_normal(3)
    layer.buffers["running_mean"][...] = rng.standard_normal(3)
    layer.buffers["running_var"][...] = rng.uniform(0.5, 2, 3)
    check_layer(layer, rng.standard_normal((6, 3)) * 2 + 1, training=training)


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_whole_model_gradient_through_the_loss(activation):
    from glassnet.losses import softmax_cross_entropy

    rng = np.random.default_rng(5)
    model = build_mlp([6, 5], activation, batchnorm=True, seed=1, inputs=4, classes=3,
                      dtype=np.float64)
    x = rng.standard_normal((7, 4))
    y = rng.integers(0, 3, 7)

    def f():
        return softmax_cross_entropy(model.forward(x, training=True), y)[0]

    loss, grad = softmax_cross_entropy(model.forward(x, training=True), y)
    model.backward(grad)
    analytic = [g.copy() for g in model.grads]
    numeric = [numeric_grad(f, p) for p in model.params]
    for g, n in zip(analytic, numeric):
        # A bias right before BatchNorm truly has zero gradient (the mean subtraction removes it).
        assert_close(g, n, allow_zero=True)
    assert sum(np.count_nonzero(np.abs(n) > 1e-8) for n in numeric) > 50


def test_input_gradient_only_when_asked():
    model = build_mlp([4], seed=0, inputs=3, classes=2, dtype=np.float64)
    x = np.ones((2, 3))
    model.forward(x, training=True)
    assert model.backward(np.ones((2, 2))) is None
    model.forward(x, training=True)
    assert model.backward(np.ones((2, 2)), need_input_grad=True).shape == (2, 3)


def test_dropout_is_identity_in_evaluation_and_scales_in_training():
    layer = Dropout(0.5, np.random.default_rng(0))
    x = np.ones((1000, 10), dtype=np.float32)
    assert layer.forward(x, training=False) is x
    out = layer.forward(x, training=True)
    assert set(np.unique(out)) == {0.0, 2.0}
    assert abs(out.mean() - 1.0) < 0.05  # inverted dropout keeps the expected value


def test_batchnorm_uses_running_statistics_in_evaluation():
    layer = BatchNorm(2, momentum=0.0)
    x = np.array([[1.0, 10.0], [3.0, 30.0]], dtype=np.float32)
    layer.forward(x, training=True)  # momentum 0: running stats become this batch's
    np.testing.assert_allclose(layer.buffers["running_mean"], [2.0, 20.0])
    np.testing.assert_allclose(layer.buffers["running_var"], [1.0, 100.0])
    out = layer.forward(np.array([[2.0, 20.0]], dtype=np.float32), training=False)
    np.testing.assert_allclose(out, [[0.0, 0.0]], atol=1e-6)


def test_initialisation_scales():
    rng = np.random.default_rng(0)
    he = Dense(1000, 500, "he", rng)
    assert abs(he.W.std() - np.sqrt(2 / 1000)) < 0.002
    glorot = Dense(1000, 500, "glorot", rng)
    limit = np.sqrt(6 / 1500)
    assert glorot.W.max() <= limit and glorot.W.min() >= -limit
    assert abs(glorot.W.std() - limit / np.sqrt(3)) < 0.002
    with pytest.raises(ValueError, match="unknown init"):
        Dense(2, 2, "zeros")


def test_build_mlp_structure_and_parameter_lists():
    model = build_mlp([32, 16], "tanh", dropout=0.2, batchnorm=True, seed=3)
    kinds = [layer.kind for layer in model.layers]
    assert kinds == ["Dense", "BatchNorm", "Tanh", "Dropout", "Dense", "BatchNorm", "Tanh",
                     "Dropout", "Dense"]
    assert model.parameter_count() == 784 * 32 + 32 + 64 + 32 * 16 + 16 + 32 + 16 * 10 + 10
    assert len(model.params) == len(model.grads) == len(model.decay)
    for p, g in zip(model.params, model.grads):
        assert p.shape == g.shape and p.dtype == np.float32
    assert model.layers[0].init == "glorot"
    with pytest.raises(ValueError, match="unknown activation"):
        build_mlp([4], "swish")


def test_same_seed_same_weights_and_specs_round_trip():
    a, b = build_mlp([20], seed=9), build_mlp([20], seed=9)
    c = build_mlp([20], seed=10)
    assert all(np.array_equal(p, q) for p, q in zip(a.params, b.params))
    assert not np.array_equal(a.params[0], c.params[0])
    rebuilt = Sequential([layer_from_spec(s) for s in a.spec()])
    assert rebuilt.spec() == a.spec()
    with pytest.raises(ValueError, match="unknown layer type"):
        layer_from_spec({"type": "Conv2D"})


def test_sigmoid_does_not_overflow():
    out = Sigmoid().forward(np.array([[-1e4, 0.0, 1e4]], dtype=np.float32))
    np.testing.assert_allclose(out, [[0.0, 0.5, 1.0]])


@pytest.mark.parametrize("name", ["blas", "einsum"])
@pytest.mark.parametrize("shape", [(3, 4, 5), (64, 784, 128)])  # below and above the threshold
def test_every_backend_computes_the_same_products(name, shape):
    from glassnet import backend

    m, k, n = shape
    rng = np.random.default_rng(0)
    a, b = rng.random((m, k), np.float32), rng.random((k, n), np.float32)
    was = backend.name()
    try:
        backend.use(name)
        np.testing.assert_allclose(backend.matmul(a, b), a @ b, rtol=1e-4)
        np.testing.assert_allclose(backend.matmul_tn(a.T.copy(), b), a @ b, rtol=1e-4)
        np.testing.assert_allclose(backend.matmul_nt(a, b.T.copy()), a @ b, rtol=1e-4)
    finally:
        backend.use(was)
    with pytest.raises(ValueError, match="unknown backend"):
        backend.use("cuda")
