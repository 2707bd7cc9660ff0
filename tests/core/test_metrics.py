import numpy as np

from glassnet.metrics import accuracy, confusion_matrix, per_class_accuracy


def test_confusion_matrix_by_hand():
    labels = np.array([0, 0, 1, 2, 2, 2])
    preds = np.array([0, 1, 1, 2, 0, 2])
    cm = confusion_matrix(preds, labels, classes=3)
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    np.testing.assert_allclose(per_class_accuracy(cm), [0.5, 1.0, 2 / 3])
    assert accuracy(preds, labels) == 4 / 6


def test_class_without_examples_is_nan_not_zero():
    cm = confusion_matrix(np.array([0]), np.array([0]), classes=2)
    acc = per_class_accuracy(cm)
    assert acc[0] == 1.0 and np.isnan(acc[1])
