import numpy as np
import pytest

from glassnet.drawing import area_matrix, drawing_to_input, to_gray


def square_canvas(size=200, ink=255, background=0, box=(50, 150, 80, 120)):
    img = np.full((size, size), background, dtype=np.uint8)
    top, bottom, left, right = box
    img[top:bottom, left:right] = ink
    return img


def as_image(x):
    return x.reshape(28, 28)


def test_crop_scale_centre():
    x = as_image(drawing_to_input(square_canvas()))  # a 100 tall, 40 wide bar
    assert x.dtype == np.float32 and x.max() == pytest.approx(1.0) and x.min() == 0.0
    rows = np.flatnonzero(x.max(axis=1) > 0.5)
    cols = np.flatnonzero(x.max(axis=0) > 0.5)
    assert (rows[0], rows[-1]) == (0, 27)  # the longer side fills the frame
    assert len(cols) in (11, 12)  # 40/100 of 28
    assert abs((cols[0] + cols[-1]) / 2 - 13.5) <= 0.5  # centred


def test_dark_on_light_is_inverted_to_light_on_dark():
    a = drawing_to_input(square_canvas())
    b = drawing_to_input(square_canvas(ink=0, background=255))
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_rgba_canvas_opaque_and_transparent():
    gray = square_canvas()
    opaque = np.stack([gray, gray, gray, np.full_like(gray, 255)], axis=-1)
    np.testing.assert_allclose(drawing_to_input(opaque), drawing_to_input(gray), atol=1e-6)
    # black strokes on a transparent canvas: the ink lives in alpha
    transparent = np.zeros((200, 200, 4), dtype=np.uint8)
    transparent[..., 3] = gray
    np.testing.assert_allclose(drawing_to_input(transparent), drawing_to_input(gray), atol=1e-6)


def test_position_and_size_do_not_matter():
    small = drawing_to_input(square_canvas(box=(10, 60, 10, 30)))
    big = drawing_to_input(square_canvas(size=400, box=(200, 300, 250, 290)))
    np.testing.assert_allclose(small, big, atol=0.05)


def test_empty_drawing_is_all_zero():
    assert not drawing_to_input(np.zeros((50, 50), np.uint8)).any()


def test_area_matrix_preserves_mean():
    m = area_matrix(100, 28)
    np.testing.assert_allclose(m.sum(axis=1), 1.0)
    assert m.shape == (28, 100)
    np.testing.assert_allclose(area_matrix(5, 5), np.eye(5))


def test_bad_shapes():
    with pytest.raises(ValueError):
        to_gray(np.zeros((2, 2, 2)))
