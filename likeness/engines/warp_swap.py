"""A real, if simple, face swap from five landmarks: align, colour-match, blend. Pure numpy + OpenCV.

1. Align: the similarity transform (scale, rotation, translation) that best maps the source face's
   five landmarks onto the target's (Umeyama's least-squares solution) warps the whole reference
   photo into the target frame.
2. Mask: an ellipse over the inner face (eyes, nose, mouth) derived from the target's landmarks,
   oriented along the eye line, feathered so the seam has no edge.
3. Colour: inside the mask the warped face gets the target's per-channel mean and spread in Lab,
   so skin tone and lighting follow the scene rather than the reference photo.
4. Blend: alpha-composite through the feathered mask.

No learned model: identity comes from the reference photo's actual facial features, which is why
an embedding of the result moves towards the likeness (tested), while pose and expression stay
roughly the target's. The learned INSwapper (insightface engine) does better; this is the offline
engine's honest baseline.
"""

from __future__ import annotations

import cv2
import numpy as np

from likeness.engines.base import DetectedFace, SwapSource, check_image


def similarity_transform(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The 2x3 matrix of the similarity transform mapping `source` points onto `target` (Umeyama)."""
    src = np.asarray(source, dtype=np.float64)
    dst = np.asarray(target, dtype=np.float64)
    src_mean, dst_mean = src.mean(axis=0), dst.mean(axis=0)
    src_c, dst_c = src - src_mean, dst - dst_mean
    covariance = dst_c.T @ src_c / len(src)
    u, singular, vt = np.linalg.svd(covariance)
    sign = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[1, 1] = -1
    rotation = u @ sign @ vt
    variance = (src_c**2).sum() / len(src)
    scale = float(np.trace(np.diag(singular) @ sign) / variance) if variance > 0 else 1.0
    translation = dst_mean - scale * rotation @ src_mean
    return np.hstack([scale * rotation, translation.reshape(2, 1)]).astype(np.float32)


def face_mask(shape: tuple[int, int], landmarks: np.ndarray, *, feather: float = 0.3) -> np.ndarray:
    """A float32 mask in [0, 1]: a feathered ellipse over the inner face described by `landmarks`."""
    height, width = shape
    points = np.asarray(landmarks, dtype=np.float64)
    left_eye, right_eye, _nose, left_mouth, right_mouth = points
    eye_centre, mouth_centre = (left_eye + right_eye) / 2, (left_mouth + right_mouth) / 2
    eye_distance = float(np.linalg.norm(right_eye - left_eye))
    centre = eye_centre + 0.45 * (mouth_centre - eye_centre)
    angle = float(np.degrees(np.arctan2(right_eye[1] - left_eye[1], right_eye[0] - left_eye[0])))
    axes = (max(1, round(eye_distance * 0.95)), max(1, round(np.linalg.norm(mouth_centre - eye_centre) * 1.3)))
    mask = np.zeros((height, width), dtype=np.float32)
    cv2.ellipse(mask, (round(centre[0]), round(centre[1])), axes, angle, 0, 360, 1.0, thickness=-1)
    blur = max(3, int(eye_distance * feather) | 1)
    return np.clip(cv2.GaussianBlur(mask, (0, 0), sigmaX=blur / 2), 0.0, 1.0)


def match_colour(source: np.ndarray, target: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """`source` recoloured so that inside `mask` its Lab mean and spread equal `target`'s."""
    weights = mask > 0.5
    if weights.sum() < 16:
        return source
    src_lab = cv2.cvtColor(source, cv2.COLOR_RGB2LAB).astype(np.float32)
    dst_lab = cv2.cvtColor(target, cv2.COLOR_RGB2LAB).astype(np.float32)
    for channel in range(3):
        src_values, dst_values = src_lab[..., channel][weights], dst_lab[..., channel][weights]
        src_std = float(src_values.std()) or 1.0
        src_lab[..., channel] = (src_lab[..., channel] - src_values.mean()) * (
            float(dst_values.std()) / src_std
        ) + dst_values.mean()
    return cv2.cvtColor(np.clip(src_lab, 0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB)


def warp_swap(image: np.ndarray, *, target: DetectedFace, source: SwapSource) -> np.ndarray:
    """`image` with the face at `target` replaced by the face of `source` (see module docstring)."""
    check_image(image)
    check_image(source.image)
    height, width = image.shape[:2]
    matrix = similarity_transform(source.face.landmarks, target.landmarks)
    warped = cv2.warpAffine(
        source.image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
    )
    mask = face_mask((height, width), target.landmarks)
    recoloured = match_colour(warped, image, mask)
    alpha = mask[..., None]
    blended = alpha * recoloured.astype(np.float32) + (1.0 - alpha) * image.astype(np.float32)
    return np.clip(blended + 0.5, 0, 255).astype(np.uint8)
