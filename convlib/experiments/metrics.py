"""Segmentation scores: per-pixel accuracy and intersection over union (IoU), in numpy.

Per-pixel accuracy counts correct pixels; on images that are mostly background it
is mostly a background score (predicting "background" everywhere already scores
the background fraction). IoU asks, for one class, how much of the union of
predicted and true pixels of that class the two share -- thin and small classes
count as much as the background. The mean IoU averages over classes.

Introduced in 13_trained_artifacts.ipynb.
"""

from __future__ import annotations

import numpy as np


def _pair(predicted: object, target: object, classes: int) -> tuple[np.ndarray, np.ndarray]:
    p, t = np.asarray(predicted), np.asarray(target)
    if p.shape != t.shape:
        raise ValueError(f"predicted shape {p.shape} must equal target shape {t.shape}")
    for name, a in (("predicted", p), ("target", t)):
        if not np.issubdtype(a.dtype, np.integer):
            raise TypeError(f"{name} must hold integer class labels, got dtype {a.dtype}")
        if a.size and (a.min() < 0 or a.max() >= classes):
            raise ValueError(f"{name} labels must lie in 0..{classes - 1}")
    return p.ravel(), t.ravel()


def confusion_matrix(predicted: object, target: object, classes: int) -> np.ndarray:
    """``C[i, j]`` = number of pixels of true class ``i`` predicted as ``j``.

    Introduced in 13_trained_artifacts.ipynb.

    >>> confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], 3)
    array([[1, 0, 0],
           [0, 1, 0],
           [0, 1, 1]])
    """
    p, t = _pair(predicted, target, classes)
    return np.bincount(t * classes + p, minlength=classes * classes).reshape(classes, classes)


def pixel_accuracy(predicted: object, target: object) -> float:
    """Fraction of pixels whose predicted class is the true one.

    Introduced in 13_trained_artifacts.ipynb.

    >>> pixel_accuracy([0, 1, 1, 2], [0, 1, 2, 2])
    0.75
    """
    p, t = np.asarray(predicted), np.asarray(target)
    if p.shape != t.shape:
        raise ValueError(f"predicted shape {p.shape} must equal target shape {t.shape}")
    return float(np.mean(p == t))


def iou(predicted: object, target: object, classes: int) -> np.ndarray:
    """Intersection over union of every class: ``|P ∩ T| / |P ∪ T|`` (NaN if the class is in neither).

    Introduced in 13_trained_artifacts.ipynb.

    >>> iou([0, 1, 1, 2], [0, 1, 2, 2], 3)
    array([1. , 0.5, 0.5])
    """
    c = confusion_matrix(predicted, target, classes)
    inter = np.diag(c).astype(np.float64)
    union = c.sum(axis=0) + c.sum(axis=1) - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / np.maximum(union, 1), np.nan)


def mean_iou(predicted: object, target: object, classes: int) -> float:
    """Mean of :func:`iou` over the classes present in the prediction or the target.

    Introduced in 13_trained_artifacts.ipynb.

    >>> round(mean_iou([0, 1, 1, 2], [0, 1, 2, 2], 3), 4)
    0.6667
    """
    return float(np.nanmean(iou(predicted, target, classes)))


__all__ = ["confusion_matrix", "iou", "mean_iou", "pixel_accuracy"]
