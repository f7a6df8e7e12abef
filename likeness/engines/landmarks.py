"""Five-point landmark geometry shared by the engines: the reference template and similarity fits."""

from __future__ import annotations

import numpy as np

# ArcFace's 112x112 alignment template (insightface's `arcface_dst`): left eye, right eye, nose tip,
# left and right mouth corners.
TEMPLATE_112 = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    dtype=np.float64,
)


def similarity_fit(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The 2x3 similarity transform (rotation, uniform scale, shift) taking `source` points nearest to `target`.

    Least squares in closed form (Umeyama without reflection), for any number of point pairs >= 2.
    """
    src = np.asarray(source, dtype=np.float64)
    dst = np.asarray(target, dtype=np.float64)
    src_mean, dst_mean = src.mean(axis=0), dst.mean(axis=0)
    src_c, dst_c = src - src_mean, dst - dst_mean
    # With complex numbers a similarity is z -> a*z + b; a = sum(conj(s) d) / sum(|s|^2).
    s = src_c[:, 0] + 1j * src_c[:, 1]
    d = dst_c[:, 0] + 1j * dst_c[:, 1]
    a = np.sum(np.conj(s) * d) / np.sum(np.abs(s) ** 2)
    matrix = np.array([[a.real, -a.imag, 0.0], [a.imag, a.real, 0.0]])
    matrix[:, 2] = dst_mean - matrix[:, :2] @ src_mean
    return matrix


def apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    pts = np.asarray(points, dtype=np.float64)
    return pts @ matrix[:, :2].T + matrix[:, 2]


def yaw_ratio(landmarks: np.ndarray) -> float:
    """How far the nose sits off the eyes' midline, as a fraction of the eye distance (0 = frontal)."""
    left_eye, right_eye, nose = landmarks[0], landmarks[1], landmarks[2]
    axis = right_eye - left_eye
    eye_distance = float(np.linalg.norm(axis))
    if eye_distance == 0.0:
        return float("inf")
    midpoint = (left_eye + right_eye) / 2.0
    return float(np.dot(nose - midpoint, axis) / eye_distance**2)
