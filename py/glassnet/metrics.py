"""Accuracy, confusion matrix and per-class accuracy from integer labels."""

from __future__ import annotations

import numpy as np

from .limits import CLASSES


def accuracy(predictions: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(predictions == labels)) if len(labels) else 0.0


def confusion_matrix(predictions: np.ndarray, labels: np.ndarray, classes: int = CLASSES) -> np.ndarray:
    """Rows are true classes, columns predicted ones."""
    return np.bincount(labels.astype(np.intp) * classes + predictions.astype(np.intp),
                       minlength=classes * classes).reshape(classes, classes)


def per_class_accuracy(confusion: np.ndarray) -> np.ndarray:
    """Recall per true class; a class with no examples gets NaN rather than a made-up number."""
    totals = confusion.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(confusion) / np.maximum(totals, 1), np.nan)
