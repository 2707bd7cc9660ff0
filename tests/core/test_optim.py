import math

import numpy as np
import pytest

from glassnet.optim import SGD, Adam, AdamW, RMSProp, clip_grad_norm, make_optimizer, schedule_factor


def one_param(value=1.0, grad=0.5):
    return [np.array([value])], [np.array([grad])]


def test_sgd_step():
    p, g = one_param()
    SGD(p, g, lr=0.1).step()
    assert p[0][0] == pytest.approx(1.0 - 0.05)


def test_momentum_two_steps_by_hand():
    p, g = one_param()
    opt = SGD(p, g, lr=0.1, momentum=0.9)
    opt.step()  # v = -0.05, p = 0.95
    opt.step()  # v = 0.9 * -0.05 - 0.05 = -0.095, p = 0.855
    assert p[0][0] == pytest.approx(0.855)


def test_nesterov_two_steps_by_hand():
    p, g = one_param()
    opt = SGD(p, g, lr=0.1, momentum=0.9, nesterov=True)
    opt.step()  # v = -0.05; p += 0.9 * v - 0.05 = -0.095 -> 0.905
    assert p[0][0] == pytest.approx(0.905)
    opt.step()  # v = -0.095; p += 0.9 * -0.095 - 0.05 = -0.1355 -> 0.7695
    assert p[0][0] == pytest.approx(0.7695)


def test_rmsprop_step_by_hand():
    p, g = one_param()
    RMSProp(p, g, lr=0.01, rho=0.9, eps=0.0).step()
    s = 0.1 * 0.25
    assert p[0][0] == pytest.approx(1.0 - 0.01 * 0.5 / math.sqrt(s))


def test_adam_first_steps_by_hand():
    p, g = one_param()
    opt = Adam(p, g, lr=0.001, eps=1e-8)
    opt.step()
    # After bias correction the first Adam step is lr * g / (|g| + eps) = lr.
    assert p[0][0] == pytest.approx(1.0 - 0.001, abs=1e-9)
    g[0][0] = -1.0
    opt.step()
    m = 0.9 * 0.05 + 0.1 * -1.0
    v = 0.999 * 0.00025 + 0.001 * 1.0
    m_hat, v_hat = m / (1 - 0.9 ** 2), v / (1 - 0.999 ** 2)
    assert p[0][0] == pytest.approx(0.999 - 0.001 * m_hat / (math.sqrt(v_hat) + 1e-8), abs=1e-9)


def test_adamw_decays_only_flagged_params():
    p = [np.array([2.0]), np.array([2.0])]
    g = [np.array([0.0]), np.array([0.0])]
    AdamW(p, g, lr=0.1, weight_decay=0.5, decay=[True, False]).step()
    assert p[0][0] == pytest.approx(2.0 - 0.1 * 0.5 * 2.0)
    assert p[1][0] == pytest.approx(2.0)


def test_make_optimizer_names():
    p, g = one_param()
    assert isinstance(make_optimizer("nesterov", p, g, 0.1), SGD)
    assert make_optimizer("nesterov", p, g, 0.1).nesterov
    assert isinstance(make_optimizer("adamw", p, g, 0.1, weight_decay=0.1), AdamW)
    with pytest.raises(ValueError, match="unknown optimizer"):
        make_optimizer("lion", p, g, 0.1)
    with pytest.raises(ValueError, match="positive"):
        SGD(p, g, lr=0.0)


def test_schedules_by_hand():
    assert schedule_factor("constant", 50, 100) == 1.0
    assert schedule_factor("step", 25, 100, step_every=10, gamma=0.5) == pytest.approx(0.25)
    assert schedule_factor("cosine", 0, 100) == pytest.approx(1.0)
    assert schedule_factor("cosine", 50, 100) == pytest.approx(0.5)
    assert schedule_factor("cosine", 100, 100) == pytest.approx(0.0)
    assert schedule_factor("constant", 0, 100, warmup_steps=10) == pytest.approx(0.1)
    assert schedule_factor("constant", 9, 100, warmup_steps=10) == pytest.approx(1.0)
    # cosine starts after the warm-up
    assert schedule_factor("cosine", 10, 110, warmup_steps=10) == pytest.approx(1.0)
    assert schedule_factor("cosine", 60, 110, warmup_steps=10) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        schedule_factor("exponential", 0, 10)


def test_clip_grad_norm():
    grads = [np.array([3.0]), np.array([4.0])]
    assert clip_grad_norm(grads, 1.0) == pytest.approx(5.0)
    assert math.sqrt(sum(float(g @ g) for g in grads)) == pytest.approx(1.0)
    np.testing.assert_allclose(grads[0] / grads[1], 0.75)
    small = [np.array([0.3])]
    clip_grad_norm(small, 1.0)
    assert small[0][0] == 0.3
