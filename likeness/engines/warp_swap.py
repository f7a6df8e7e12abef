"""The offline engine's classical face swap from five landmarks. Pure numpy + OpenCV, no learned model.

1. Pose check: the source is one (near-)frontal reference photo, so it can only cover a target
   whose head points about the same way. The nose's offset from the eyes' midline, across and
   along the eye line (in eye distances), measures yaw and pitch; a target whose yaw or pitch
   differs from the source's by more than `MAX_YAW_GAP` / `MAX_PITCH_GAP`, or whose head is rolled
   more than `MAX_ROLL_DEGREES`, is left untouched (`pose_refusal` says why) rather than pasted wrong.
2. Align: the similarity transform (scale, rotation, shift) that best maps the source's five
   landmarks onto the target's (Umeyama) warps the reference photo into the target frame.
3. Mask: the inner face only (brows to the front of the chin, cheek to cheek), a polygon drawn in
   the ArcFace 112x112 template and placed on the target by the template-to-landmarks similarity.
   It stops short of the hairline, the jaw line and the ears, so it never carries the source's
   hair, fringe or background, and it is a pure function of the landmarks (a video whose landmarks
   are smoothed gets a mask that is steady from frame to frame).
4. Colour: the warped face's Lab mean and spread are matched to the target's in the mask's
   border band (the ring of skin just inside its edge), where the two must meet.
5. Blend: gradient-domain (Poisson) cloning (cv2.seamlessClone) keeps the source's features (its
   gradients) and takes the target's values on the mask border, so skin tone and lighting run
   continuously across the edge; a narrow feather inside the edge hides the last pixel steps.

Identity comes from the reference photo's features (tests measure the result's dlib distance to
the actor and to the original); pose and the face outline stay the target's. The insightface
engine's learned INSwapper does better; this is the offline engine's honest classical baseline.
"""

from __future__ import annotations

import cv2
import numpy as np

from likeness.engines.base import DetectedFace, SwapSource, check_image
from likeness.engines.landmarks import TEMPLATE_112, apply, similarity_fit

# The inner face in the 112x112 ArcFace template (eyes at y 51.6, 35.2 apart; mouth at y 92.3):
# brows at about 0.4 eye distances above the eyes, cheeks just outside the outer eye corners,
# narrowing down the cheeks to the front of the chin, inside the jaw line. (Ending just below the
# mouth left the target's chin under the source's mouth, a band that read as a beard.)
INNER_FACE_112 = np.array(
    [
        [30.0, 37.0],
        [44.0, 34.5],
        [56.0, 35.5],
        [68.0, 34.5],
        [82.0, 37.0],
        [88.0, 52.0],
        [87.0, 70.0],
        [81.0, 94.0],
        [71.0, 106.5],
        [56.0, 109.5],
        [41.0, 106.5],
        [31.0, 94.0],
        [25.0, 70.0],
        [24.0, 52.0],
    ],
    dtype=np.float64,
)

# Pose limits (differences between target and source, in eye distances; roll in degrees). A
# frontal face's nose sits on the eyes' midline; 0.12 eye distances across is roughly 15 degrees
# of head turn, past which the frontal texture lands visibly off the turned nose and cheeks.
MAX_YAW_GAP = 0.12
MAX_PITCH_GAP = 0.15
MAX_ROLL_DEGREES = 35.0
MIN_EYE_DISTANCE = 12.0  # pixels: a smaller face has too few pixels for a mask with a border band


def similarity_transform(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The 2x3 matrix of the similarity transform mapping `source` points onto `target` (Umeyama)."""
    return similarity_fit(source, target).astype(np.float32)


def pose(landmarks: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll): the nose's offset from the eyes' midpoint across and along the eye line, in
    eye distances, and the eye line's angle in degrees (0, about 0.7, 0 for a frontal upright face)."""
    points = np.asarray(landmarks, dtype=np.float64)
    left_eye, right_eye, nose = points[0], points[1], points[2]
    axis = right_eye - left_eye
    distance = float(np.linalg.norm(axis))
    if distance == 0.0:
        return float("inf"), float("inf"), 0.0
    across = axis / distance
    down = np.array([-across[1], across[0]])
    offset = nose - (left_eye + right_eye) / 2.0
    roll = float(np.degrees(np.arctan2(axis[1], axis[0])))
    return float(offset @ across / distance), float(offset @ down / distance), roll


def pose_refusal(target: DetectedFace, source: DetectedFace) -> str | None:
    """Why the frontal `source` cannot cover `target`'s pose ("yaw", "pitch", "roll", "too_small"), or None."""
    target_yaw, target_pitch, roll = pose(target.landmarks)
    source_yaw, source_pitch, _ = pose(source.landmarks)
    eye_distance = float(np.linalg.norm(np.asarray(target.landmarks[1]) - np.asarray(target.landmarks[0])))
    if eye_distance < MIN_EYE_DISTANCE:
        return "too_small"
    if abs(target_yaw - source_yaw) > MAX_YAW_GAP:
        return "yaw"
    if abs(target_pitch - source_pitch) > MAX_PITCH_GAP:
        return "pitch"
    if abs(roll) > MAX_ROLL_DEGREES:
        return "roll"
    return None


def inner_face_polygon(landmarks: np.ndarray) -> np.ndarray:
    """The inner-face polygon (N, 2) in image pixels for a face with these five landmarks."""
    return apply(similarity_fit(TEMPLATE_112, np.asarray(landmarks, dtype=np.float64)), INNER_FACE_112)


def face_region(shape: tuple[int, int], landmarks: np.ndarray, *, margin: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1): the inner-face polygon's box grown by `margin` pixels, within the image."""
    height, width = shape
    polygon = inner_face_polygon(landmarks)
    x0, y0 = np.floor(polygon.min(axis=0)).astype(int) - margin
    x1, y1 = np.ceil(polygon.max(axis=0)).astype(int) + margin + 1
    return max(0, int(x0)), max(0, int(y0)), min(width, int(x1)), min(height, int(y1))


def face_mask(
    shape: tuple[int, int], landmarks: np.ndarray, *, region: tuple[int, int, int, int] | None = None
) -> np.ndarray:
    """A uint8 mask (255 inside) of the inner face, kept two pixels clear of the image's edges.

    With `region` (x0, y0, x1, y1), only that part of the image's mask, as an array of its size.
    """
    height, width = shape
    x0, y0, x1, y1 = region if region is not None else (0, 0, width, height)
    mask = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
    polygon = np.round((inner_face_polygon(landmarks) - (x0, y0)) * 16).astype(np.int32)
    cv2.fillPoly(mask, [polygon], 255, lineType=cv2.LINE_AA, shift=4)
    mask = np.where(mask >= 128, 255, 0).astype(np.uint8)
    # The two-pixel clearance at the image's own edges (a region's other sides are a margin away).
    mask[: max(0, 2 - y0)], mask[:, : max(0, 2 - x0)] = 0, 0
    mask[mask.shape[0] - max(0, y1 - (height - 2)) :] = 0
    mask[:, mask.shape[1] - max(0, x1 - (width - 2)) :] = 0
    return mask


def border_band(mask: np.ndarray, width: int) -> np.ndarray:
    """The boolean ring of `width` pixels just inside the mask's edge."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * width + 1, 2 * width + 1))
    inner = cv2.erode(mask, kernel)
    return (mask > 0) & (inner == 0)


def match_colour(source: np.ndarray, target: np.ndarray, region: np.ndarray) -> np.ndarray:
    """`source` recoloured so that inside `region` (boolean) its Lab mean and spread equal `target`'s."""
    if int(region.sum()) < 16:
        return source
    src_lab = cv2.cvtColor(source, cv2.COLOR_RGB2LAB).astype(np.float32)
    # Only the region's pixels of the target are needed (a colour conversion is per pixel).
    dst_lab = cv2.cvtColor(np.ascontiguousarray(target[region][None]), cv2.COLOR_RGB2LAB)[0].astype(np.float32)
    for channel in range(3):
        src_values, dst_values = src_lab[..., channel][region], dst_lab[:, channel]
        # The spread is matched only part-way and within bounds: a band's spread mixes skin with
        # shading, and a full match would exaggerate the source's contrast on a flat-lit target.
        ratio = float(np.clip((float(dst_values.std()) + 1.0) / (float(src_values.std()) + 1.0), 0.7, 1.4))
        src_lab[..., channel] = (src_lab[..., channel] - src_values.mean()) * ratio + dst_values.mean()
    return cv2.cvtColor(np.clip(src_lab, 0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB)


def warp_swap(image: np.ndarray, *, target: DetectedFace, source: SwapSource) -> np.ndarray:
    """`image` with the inner face at `target` replaced by `source`'s (see the module docstring).

    Callers check `pose_refusal` first; this function swaps whatever it is given. All the work
    happens in the face's own region (the mask's box plus a margin wider than the feather's blur),
    which gives the same pixels as working on the whole frame at a fraction of the cost on a large one.
    """
    check_image(image)
    check_image(source.image)
    height, width = image.shape[:2]
    eye_distance = float(np.linalg.norm(np.asarray(target.landmarks[1]) - np.asarray(target.landmarks[0])))
    feather = max(1.0, eye_distance * 0.05)
    x0, y0, x1, y1 = face_region((height, width), target.landmarks, margin=int(4 * feather) + 8)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return image
    region = image[y0:y1, x0:x1]
    matrix = similarity_transform(source.face.landmarks, target.landmarks)
    matrix[:, 2] -= (x0, y0)
    warped = cv2.warpAffine(
        source.image, matrix, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    mask = face_mask((height, width), target.landmarks, region=(x0, y0, x1, y1))
    if int((mask > 0).sum()) < 64:
        return image
    band = border_band(mask, max(2, round(eye_distance * 0.12)))
    recoloured = match_colour(warped, region, band)
    x, y, w, h = cv2.boundingRect(mask)
    centre = (x + w // 2, y + h // 2)
    # Fresh owned copies: OpenCV 5's seamlessClone returns varying garbage when handed a read-only
    # array that does not own its memory (PIL's np.asarray), as a decoded frame often is.
    cloned = cv2.seamlessClone(np.array(recoloured), np.array(region), np.array(mask), centre, cv2.NORMAL_CLONE)
    # Feather the last few pixels inside the edge, so no single-pixel step is left where it meets.
    inner = cv2.erode(mask, np.ones((3, 3), np.uint8), iterations=max(1, round(feather)))
    alpha = cv2.GaussianBlur(inner, (0, 0), feather)
    alpha_f = (alpha.astype(np.float32) / 255.0)[..., None]
    blended = alpha_f * cloned.astype(np.float32) + (1.0 - alpha_f) * region.astype(np.float32)
    output = np.array(image)
    output[y0:y1, x0:x1] = np.clip(blended + 0.5, 0, 255).astype(np.uint8)
    return output
