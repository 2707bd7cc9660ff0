"""The WebAssembly SIMD kernel against NumPy, inside Pyodide (where it exists).

Natively there is no kernel (it is WebAssembly), so the comparisons skip there and run when
tests/core runs inside Pyodide against the built wheel; the fallback and refusal tests run in both.
"""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import backend
from glassnet.kernel import Kernel
from glassnet.optim import Adam, AdamW
from glassnet.presets import make_config
from glassnet.train import Trainer


@pytest.fixture(scope="module")
def kernel() -> Kernel:
    if "kernel" not in backend.available():
        pytest.skip(f"no WebAssembly kernel here ({backend.kernel_error})")
    return Kernel()


def _check_product(c: np.ndarray, a: np.ndarray, b: np.ndarray, columns: int = 24) -> None:
    """c == a @ b within float32 rounding: the error of a k-term float32 sum is at most about
    k * eps * sum|a||b|, checked against a float64 reference on (up to) `columns` columns."""
    m, k = a.shape
    n = b.shape[1]
    assert c.shape == (m, n) and c.dtype == np.float32
    cols = np.arange(n) if n <= columns else np.random.default_rng(n).choice(n, columns, False)
    a64, b64 = a.astype(np.float64), b[:, cols].astype(np.float64)
    exact = a64 @ b64
    bound = (k + 2) * np.finfo(np.float32).eps * (np.abs(a64) @ np.abs(b64)) + 1e-30
    err = np.abs(c[:, cols].astype(np.float64) - exact)
    assert np.all(err <= bound), f"worst error {err.max()} for {a.shape} @ {b.shape}"


SHAPES = [(1, 1, 1), (1, 7, 1), (3, 5, 7), (4, 8, 8), (5, 9, 17), (64, 784, 128), (63, 785, 129),
          (64, 128, 10), (1000, 128, 10), (17, 300, 257), (1, 1024, 1024), (1024, 1024, 1),
          (1024, 3, 1024), (257, 513, 33), (1024, 1024, 1024)]


@pytest.mark.parametrize("m,k,n", SHAPES)
def test_product_matches_numpy_on_any_shape(kernel, m, k, n):
    rng = np.random.default_rng(m * 1_000_003 + k * 1009 + n)
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    _check_product(kernel.gemm(a, b), a, b)


def test_random_shapes_up_to_1024(kernel):
    rng = np.random.default_rng(12)
    for _ in range(20):
        m, k, n = (int(x) for x in np.exp(rng.uniform(0, np.log(1024), 3)).round())
        a = rng.uniform(-3, 3, (m, k)).astype(np.float32)
        b = rng.uniform(-3, 3, (k, n)).astype(np.float32)
        _check_product(kernel.gemm(a, b), a, b)


def test_transposed_and_strided_views_need_no_copy(kernel):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((70, 131), dtype=np.float32)
    y = rng.standard_normal((70, 45), dtype=np.float32)
    w = rng.standard_normal((45, 131), dtype=np.float32)
    _check_product(kernel.gemm(x.T, y), x.T, y)                    # a.T @ b (weight gradient)
    _check_product(kernel.gemm(y, w), y, w)
    _check_product(kernel.gemm(x, w.T), x, w.T)                    # a @ b.T (input gradient)
    _check_product(kernel.gemm(x[::2, 1::3], w.T[1::3, ::-1]), x[::2, 1::3], w.T[1::3, ::-1])
    big = rng.standard_normal((9, 20, 30), dtype=np.float32)
    _check_product(kernel.gemm(big[:, 3, :], big[0].T), big[:, 3, :], big[0].T)


def test_empty_products(kernel):
    a = np.zeros((0, 5), np.float32)
    assert kernel.gemm(a, np.ones((5, 3), np.float32)).shape == (0, 3)
    c = kernel.gemm(np.ones((2, 0), np.float32), np.ones((0, 3), np.float32))
    assert c.shape == (2, 3) and not c.any()


def test_bad_inputs_are_refused_clearly(kernel):
    a = np.ones((3, 4), np.float32)
    with pytest.raises(ValueError, match="float32 only"):
        kernel.gemm(a.astype(np.float64), a.T)
    with pytest.raises(ValueError, match="do not fit"):
        kernel.gemm(a, a)
    with pytest.raises(ValueError, match="2-D"):
        kernel.gemm(a[0], a.T)
    odd = np.frombuffer(bytes(2 + 4 * 12), dtype=np.float32, offset=2, count=12).reshape(3, 4)
    _check_product(kernel.gemm(odd, a.T), odd, a.T)  # unaligned data is fine
    weird = np.ndarray((3, 4), np.float32, buffer=bytearray(100), strides=(18, 4))
    with pytest.raises(ValueError, match="whole float32"):
        kernel.gemm(weird, a.T)


def test_backend_products_go_through_the_kernel_and_keep_float64(kernel):
    assert backend.name() == "kernel"
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((33, 65), np.float32), rng.standard_normal((65, 9), np.float32)
    _check_product(backend.matmul(a, b), a, b)
    _check_product(backend.matmul_tn(a.T.copy(), b), a, b)
    _check_product(backend.matmul_nt(a, b.T.copy()), a, b)
    a64 = a.astype(np.float64)  # float64 (gradient checks) goes to NumPy, unrounded
    assert backend.matmul(a64, b.astype(np.float64)).dtype == np.float64


@pytest.mark.parametrize("optimizer", [Adam, AdamW])
def test_fused_adam_matches_numpy_adam_bit_for_bit(kernel, optimizer):
    rng = np.random.default_rng(5)
    shapes = [(37, 13), (13,), (1,), (784, 128)]
    params = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [np.zeros_like(p) for p in params]
    twins = [p.copy() for p in params]
    twin_grads = [np.zeros_like(p) for p in params]
    decay = [True, False, True, True]
    fused = optimizer(params, grads, lr=0.01, decay=decay)
    plain = optimizer(twins, twin_grads, lr=0.01, decay=decay)
    for step in range(5):
        for g, tg in zip(grads, twin_grads):
            g[...] = rng.standard_normal(g.shape).astype(np.float32) * (step + 1)
            tg[...] = g
        backend.use("kernel")
        fused.step()
        backend.use("einsum")
        try:
            plain.step()
        finally:
            backend.use("kernel")
    for p, t, m, tm in zip(params, twins, fused.m + fused.v, plain.m + plain.v):
        np.testing.assert_array_equal(p, t)
        np.testing.assert_array_equal(m, tm)


def test_seeded_run_reaches_the_same_accuracy_with_and_without_the_kernel(kernel, small_data):
    results = {}
    for name in ("kernel", "einsum"):
        backend.use(name)
        try:
            config = make_config({"preset": "default", "epochs": 2, "seed": 3})
            events = list(Trainer(config, small_data).events())
        finally:
            backend.use("kernel")
        results[name] = events[-1]["test_accuracy"]
    assert results["kernel"] > 0.5
    assert abs(results["kernel"] - results["einsum"]) <= 0.002, results


def test_missing_module_is_an_os_error_that_backend_turns_into_numpy(tmp_path):
    with pytest.raises(OSError, match="not there"):
        Kernel(tmp_path / "no-such-kernel.wasm")
    assert backend.name() in backend.available()


def test_numpy_override_and_unknown_names(monkeypatch):
    before = backend.name()
    monkeypatch.setenv("GLASSNET_BACKEND", "numpy")
    assert backend.default_name() in ("blas", "einsum")
    try:
        backend.use("numpy")
        assert backend.name() == ("einsum" if backend.IS_PYODIDE else "blas")
        with pytest.raises(ValueError, match="unknown backend"):
            backend.use("gpu")
    finally:
        backend.use(before)


@pytest.mark.skipif(backend.IS_PYODIDE, reason="native behaviour")
def test_natively_blas_stays_the_default_and_the_kernel_says_why_not():
    assert backend.name() == "blas" or backend.default_name() != "kernel"
    assert "kernel" not in backend.available()
    with pytest.raises(ValueError, match="inside Pyodide only"):
        backend.use("kernel")
