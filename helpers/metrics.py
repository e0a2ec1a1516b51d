"""An offline quality measure for 28x28 digits, built on a small MNIST classifier that ships with the project.

- ``fcd(images)``: the Fréchet distance between the classifier's features of ``images`` and of the MNIST
  test set ("Fréchet Classifier Distance"; lower is better, real digits score near 1).
- ``class_shares(images)``: how the classifier labels the images: coverage of the 10 classes and confidence.
- ``evaluate(images)``: all of them in one dictionary.
- ``patch_fd(real, fake)``: the same Fréchet distance on pixel patches: any images, no classifier, no labels (notebook 07).

The classifier is retrained by ``python scripts/train_classifier.py``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from helpers.data import as_tanh_batch

__all__ = ["CLASSIFIER_PATH", "build_classifier", "as_tanh_images", "load_classifier", "features_and_probabilities",
           "fcd", "evaluate", "summary", "ranks", "spearman", "top_k", "normalize_maps", "halve", "patch_fd"]

CLASSIFIER_PATH = Path(__file__).parent / "weights" / "mnist_classifier.keras"
"""The shipped classifier that reads digits for the FCD; scripts/train_classifier.py writes it."""
FEATURE_LAYER = "features"
MIN_SHARE = 0.05


def build_classifier():
    """A small CNN for MNIST in the generators' range [-1, 1]; its 64-unit layer 'features' feeds the FCD
    (notebook 02)."""
    import keras
    from keras import layers

    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dropout(0.3),
            layers.Dense(64, activation="relu", name=FEATURE_LAYER),
            layers.Dropout(0.3),
            layers.Dense(10, activation="softmax", name="probabilities"),
        ],
        name="mnist_classifier",
    )


def as_tanh_images(images) -> np.ndarray:
    """Return images as float32 (N, 28, 28, 1) in [-1, 1], from uint8 [0, 255] or tanh input; explain bad shapes
    (notebook 06)."""
    if hasattr(images, "numpy"):
        images = images.numpy()
    x = np.asarray(images)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[1:] != (28, 28, 1):
        raise ValueError(f"expected digit images of shape (N, 28, 28) or (N, 28, 28, 1), got {x.shape}")
    if x.dtype == np.uint8:
        return as_tanh_batch(x)
    x = x.astype(np.float32)
    if x.min() < -1.01 or x.max() > 1.01:
        raise ValueError(f"float images must be in [-1, 1] (a generator's tanh output); got [{x.min():.2f}, {x.max():.2f}]."
                         " Pass uint8 images for 0..255 pixels.")
    return x


@lru_cache(maxsize=1)
def load_classifier():
    """Load the shipped classifier (once per process) and return (classifier, feature extractor)."""
    import keras

    if not CLASSIFIER_PATH.exists():
        raise FileNotFoundError(f"The metric's classifier is missing at {CLASSIFIER_PATH}. "
                                "Recreate it with: python scripts/train_classifier.py")
    model = keras.models.load_model(CLASSIFIER_PATH)
    extractor = keras.Model(model.inputs[0], [model.get_layer(FEATURE_LAYER).output, model.outputs[0]])
    return model, extractor


@lru_cache(maxsize=1)
def _compiled_extractor():
    """The feature extractor as one graph for any batch size: 3-4 times faster than calling it eagerly."""
    import tensorflow as tf

    _, extractor = load_classifier()
    return tf.function(lambda x: extractor(x, training=False),
                       input_signature=[tf.TensorSpec((None, 28, 28, 1), tf.float32)], autograph=False)


def features_and_probabilities(images, batch: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """Return the classifier's 64-d features and class probabilities for the images (notebook 04)."""
    x = as_tanh_images(images)
    extract = _compiled_extractor()
    feats, probs = [], []
    for i in range(0, len(x), batch):
        f, p = extract(x[i:i + batch])
        feats.append(np.asarray(f, dtype=np.float64))
        probs.append(np.asarray(p, dtype=np.float64))
    return np.concatenate(feats), np.concatenate(probs)


def frechet_distance(mu1: np.ndarray, cov1: np.ndarray, mu2: np.ndarray, cov2: np.ndarray) -> float:
    """||mu1 - mu2||^2 + Tr(C1 + C2 - 2 (C1 C2)^(1/2)), with the trace of the root from a symmetric eigenproblem
    (notebook 02)."""
    w, v = np.linalg.eigh(cov1)
    root1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    cross = np.linalg.eigvalsh(root1 @ cov2 @ root1)
    trace_root = np.sum(np.sqrt(np.clip(cross, 0, None)))
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(cov1) + np.trace(cov2) - 2 * trace_root)


def statistics(feats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of feature vectors (notebook 02)."""
    return feats.mean(axis=0), np.cov(feats, rowvar=False)


@lru_cache(maxsize=1)
def reference_statistics() -> tuple[np.ndarray, np.ndarray]:
    """Feature statistics of the 10,000 MNIST test digits, the FCD's reference."""
    from helpers.data import load_mnist

    (_, _), (x_test, _) = load_mnist(verbose=False)
    return statistics(features_and_probabilities(x_test)[0])


def _fcd_of_features(feats: np.ndarray) -> float:
    """FCD from the classifier's features of at least 100 images."""
    if len(feats) < 100:
        raise ValueError(f"FCD needs at least 100 images for a stable covariance, got {len(feats)}")
    return frechet_distance(*statistics(feats), *reference_statistics())


def fcd(images) -> float:
    """Fréchet Classifier Distance between the images and the MNIST test set (lower is better) (notebook 02)."""
    return _fcd_of_features(features_and_probabilities(images)[0])


def _shares_of_probabilities(probs: np.ndarray) -> dict:
    """Class shares, classes covered and mean confidence from the classifier's probabilities."""
    shares = np.bincount(probs.argmax(axis=1), minlength=10) / len(probs)
    return {
        "class_shares": shares,
        "classes_covered": int(np.sum(shares >= MIN_SHARE)),
        "mean_confidence": float(probs.max(axis=1).mean()),
    }


def class_shares(images) -> dict:
    """The classifier's view: share of each class, classes holding >= 5%, and mean confidence (notebook 02)."""
    return _shares_of_probabilities(features_and_probabilities(images)[1])


def evaluate(images) -> dict:
    """FCD, class shares, classes covered (>= 5% each) and mean confidence, for N >= 100 images (notebook 02)."""
    feats, probs = features_and_probabilities(images)
    return {"fcd": _fcd_of_features(feats), **_shares_of_probabilities(probs)}


def summary(scores: dict) -> str:
    """One line for a printed report (notebook 02)."""
    return (f"FCD {scores['fcd']:.2f} | classes >= 5%: {scores['classes_covered']}/10"
            f" | mean confidence {scores['mean_confidence']:.3f}")


def ranks(values) -> np.ndarray:
    """The rank of each value (0 = smallest), ties broken by order; float64 (notebook 06)."""
    v = np.asarray(values)
    r = np.empty(len(v), dtype=np.float64)
    r[np.argsort(v, kind="stable")] = np.arange(len(v))
    return r


def spearman(a, b) -> float:
    """Spearman's rank correlation of two equally long sequences: the Pearson correlation of their ranks
    (notebook 05)."""
    if len(a) != len(b) or len(a) < 2:
        raise ValueError(f"spearman needs two sequences of the same length >= 2, got {len(a)} and {len(b)}")
    return float(np.corrcoef(ranks(a), ranks(b))[0, 1])


def top_k(scores, k: int) -> np.ndarray:
    """Indices of the k largest scores, largest first (notebook 06)."""
    return np.argsort(-np.asarray(scores), kind="stable")[:k]


def normalize_maps(maps) -> np.ndarray:
    """Saliency maps as |values| scaled so that each map's largest entry is 1 (an all-zero map stays 0)
    (notebook 06)."""
    m = np.abs(np.asarray(maps, dtype=np.float64))
    peak = m.reshape(len(m), -1).max(axis=1).reshape((-1,) + (1,) * (m.ndim - 1))
    return np.divide(m, peak, out=np.zeros_like(m), where=peak > 0)


# ---------------------------------------------------------------- a measure for any images (notebook 07)

def _float_images(images) -> np.ndarray:
    """Images as float32 (N, H, W, C) in [-1, 1], from uint8 pixels or tanh floats."""
    x = np.asarray(images.numpy() if hasattr(images, "numpy") else images)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4:
        raise ValueError(f"expected images of shape (N, H, W) or (N, H, W, C), got {x.shape}")
    return as_tanh_batch(x)


def halve(images: np.ndarray) -> np.ndarray:
    """Images at half the resolution: each 2x2 block averaged (notebook 07)."""
    n, h, w, c = images.shape
    x = images[:, :h - h % 2, :w - w % 2]
    return x.reshape(n, h // 2, 2, w // 2, 2, c).mean(axis=(2, 4))


def random_patches(images: np.ndarray, per_image: int, side: int, rng: np.random.Generator) -> np.ndarray:
    """``per_image`` square patches of ``side`` pixels from each image, at random places, flattened (notebook 07)."""
    n, h, w, _ = images.shape
    ys = rng.integers(0, h - side + 1, size=(n, per_image))
    xs = rng.integers(0, w - side + 1, size=(n, per_image))
    offsets = np.arange(side)
    rows = (ys[..., None] + offsets)[..., :, None]                  # (n, k, side, 1)
    cols = (xs[..., None] + offsets)[..., None, :]                  # (n, k, 1, side)
    patches = images[np.arange(n)[:, None, None, None], rows, cols]  # (n, k, side, side, C)
    return patches.reshape(n * per_image, -1)


def patch_fd(real, fake, levels: int = 3, patch: int = 7, per_image: int = 16, seed: int = 0) -> float:
    """The Fréchet distance between two image sets' 7x7 patches at full, half and quarter resolution, averaged, x 100:
    notebook 02's formula without a classifier, for any images (lower is better) (notebook 07)."""
    a, b = _float_images(real), _float_images(fake)
    if a.shape[1:] != b.shape[1:]:
        raise ValueError(f"the two sets must have the same image shape, got {a.shape[1:]} and {b.shape[1:]}")
    if min(len(a), len(b)) < 2:
        raise ValueError("patch_fd needs at least 2 images in each set (a few thousand for a steady number)")
    rng = np.random.default_rng(seed)
    distances = []
    for _ in range(levels):
        if min(a.shape[1:3]) < patch:
            break
        pa, pb = (random_patches(x, per_image, patch, rng).astype(np.float64) for x in (a, b))
        distances.append(frechet_distance(*statistics(pa), *statistics(pb)))
        a, b = halve(a), halve(b)
    return 100 * float(np.mean(distances))
