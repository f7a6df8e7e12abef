"""Invisible, keyed watermark for rendered stills and video frames (pure numpy/scipy, no Django).

Design, chosen by measurement (``python manage.py bench watermark``; figures in the README):

Payload and error correction
    The mark id is a 48-bit integer (the platform maps it to a render job). The 48 id bits are
    followed by a CRC-24 (the OpenPGP polynomial 0x864CFB) over them, the 72 bits are XORed with a
    key-derived whitening word (so id 0 is not a degenerate all-one-sign tile and the check bits
    mean nothing without the key), then protected by the standard K=7, rate-1/2 convolutional code
    (generators 171/133 octal, six zero tail bits): 156 coded bits. The decoder runs soft-decision
    Viterbi, so weak bits are corrected from their neighbours' evidence instead of needing every
    one of 72 bits right (about 2 dB better than a bare CRC at the error rates H.264 leaves).

Embedding domain
    One 128x128 tile of luma offsets is repeated over the whole frame. The tile is a sum of 156
    patterns, one per coded bit, signed by the bit. The patterns are key-seeded random noise,
    band-limited in the tile's FFT to 0.03-0.25 cycles/pixel (the band that survives JPEG q75, a
    0.5x resize and H.264 alike: higher frequencies die in the encoder, lower ones drown in the
    picture) and made exactly orthonormal (QR), so at the right alignment one bit's pattern does not
    leak into another's correlation. The same offset is added to R, G and B, which changes luma only:
    yuv420p halves chroma, so chroma would be a poor carrier. The tile does not change from frame
    to frame, so an encoder's skipped and motion-predicted blocks carry it forward instead of
    having to code a flickering residual.

Strength adaptation
    The tile is scaled to an RMS of ``strength`` grey levels (2.5 gives about 40 dB PSNR; the
    issue asks for at least 38). A mild texture mask then moves strength from flat to busy areas
    (factor 0.6-1.6, mean square 1, from the Laplacian of a 4x-subsampled luma). It is mild on
    purpose: x264's adaptive quantisation gives flat blocks the finest quantiser, so a strong
    texture mask, which starves flat areas, lost about half the correlation through H.264 in the
    measurements (this mild one costs 10-30%, still far above what Viterbi needs), while a
    uniform mark is a faint but visible grain in skies.

Synchronisation and cropping
    The decoder high-passes luma (minus a Gaussian blur, sigma 1.5), divides by the local residual
    level and clips (so edges and busy texture do not outvote the rest), then folds the frame into
    one 128x128 tile by summing all tile-sized blocks. Folding is cyclic, so a crop anywhere (10%
    off the edges or any other offset) only cyclically shifts the folded tile; the shift is found by
    FFT cross-correlation of the fold with every pattern over all 16384 shifts and taking the
    shift whose summed squared normalised correlation is highest. Video folds are summed frame by
    frame before one search, so memory is one tile however long the video. A rescaled copy (e.g. a
    half-size re-encode) can be tried at extra ``scales``; each extra scale multiplies the false
    positive bound below by one.

Decision and false positives
    At the chosen shift the 156 normalised correlations are the soft bits for Viterbi. A mark is
    reported only if the decoded 72 bits pass the CRC-24 after unwhitening *and* the sync peak
    stands at least ``MIN_SCORE`` (6) standard deviations above the mean of all 16384 shift scores.
    On unmarked media or with the wrong key the peak is the maximum of 16384 roughly chi-squared
    scores, which sits at 3-5 (measured over the test corpus), while a mark that Viterbi can read
    (per-bit SNR above about 1.2) scores above 12; and the decoded 72-bit word is essentially
    arbitrary, so it passes a 24-bit check with probability 2**-24 (about 6e-8) per scale tried.
    The false-positive rate is bounded by that product, below 6e-8 per decode. A wrong id needs a
    decoding error that also lands on a valid CRC, bounded by the same 2**-24 per error event.
    Soft-bit sign agreement with the decoded codeword (``bits_agree``) is reported but not used:
    Viterbi's best codeword agrees with about 80% of random signs, so it separates nothing.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from PIL import Image
from scipy import fft as sfft
from scipy import ndimage
from scipy.linalg import solve_triangular

ID_BITS = 48
CRC_BITS = 24
INFO_BITS = ID_BITS + CRC_BITS
_K = 7  # convolutional code constraint length
_GENERATORS = (0o171, 0o133)
CODED_BITS = 2 * (INFO_BITS + _K - 1)  # 156
TILE = 128
BAND = (0.03, 0.25)  # cycles per pixel kept in the patterns
DEFAULT_STRENGTH = 2.5
MIN_SCORE = 6.0  # sync peak, in standard deviations of the shift scores
MAX_MARK_ID = (1 << ID_BITS) - 1

_CRC24_INIT = 0xB704CE
_CRC24_POLY = 0x864CFB
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)

U8Image = npt.NDArray[np.uint8]
FloatArray = npt.NDArray[np.float32]
BitArray = npt.NDArray[np.int8]
_K_T = TypeVar("_K_T")
_V_T = TypeVar("_V_T")


# --- payload: CRC-24 + whitening + convolutional code ------------------------------------


def _crc24(bits: Iterable[int]) -> list[int]:
    reg = _CRC24_INIT
    for bit in bits:
        top = ((reg >> 23) & 1) ^ int(bit)
        reg = (reg << 1) & 0xFFFFFF
        if top:
            reg ^= _CRC24_POLY
    return [(reg >> (23 - i)) & 1 for i in range(CRC_BITS)]


def _int_to_bits(value: int, width: int) -> list[int]:
    return [(value >> (width - 1 - i)) & 1 for i in range(width)]


def _parity(value: int) -> int:
    return bin(value).count("1") & 1


def _trellis() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    states = 1 << (_K - 1)
    out = np.zeros((states, 2, 2), dtype=np.int8)
    nxt = np.zeros((states, 2), dtype=np.int64)
    for state in range(states):
        for bit in range(2):
            register = (bit << (_K - 1)) | state
            out[state, bit] = [_parity(register & g) for g in _GENERATORS]
            nxt[state, bit] = register >> 1
    # Viterbi runs backwards through predecessors: a state's newest input bit is its top bit.
    prev = np.zeros((states, 2), dtype=np.int64)
    prev_symbols = np.zeros((states, 2, 2), dtype=np.float32)
    input_bit = np.zeros(states, dtype=np.int64)
    for state in range(states):
        bit = state >> (_K - 2)
        input_bit[state] = bit
        for j in range(2):
            before = ((state << 1) & (states - 1)) | j
            prev[state, j] = before
            prev_symbols[state, j] = 1.0 - 2.0 * out[before, bit]
    return out, nxt, prev, prev_symbols, input_bit


_OUT, _NEXT, _PREV, _PREV_SYMBOLS, _INPUT_BIT = _trellis()


def _conv_encode(bits: Iterable[int]) -> BitArray:
    state = 0
    coded: list[int] = []
    for bit in [*bits, *([0] * (_K - 1))]:
        coded.extend(int(b) for b in _OUT[state, bit])
        state = int(_NEXT[state, bit])
    return np.array(coded, dtype=np.int8)


def _viterbi(soft: FloatArray) -> BitArray:
    """Maximum-likelihood info bits for soft coded values (positive means bit 0)."""
    steps = INFO_BITS + _K - 1
    pairs = soft.reshape(steps, 2)
    states = 1 << (_K - 1)
    metric = np.full(states, -np.inf, dtype=np.float64)
    metric[0] = 0.0
    choices = np.zeros((steps, states), dtype=np.int8)
    rows = np.arange(states)
    for t in range(steps):
        candidates = metric[_PREV] + (_PREV_SYMBOLS * pairs[t]).sum(axis=-1)
        if t >= INFO_BITS:  # the tail feeds zeros, so paths that took a one there are impossible
            candidates[_INPUT_BIT == 1] = -np.inf
        best = np.argmax(candidates, axis=1)
        choices[t] = best
        metric = candidates[rows, best]
    state = 0
    decoded = np.zeros(steps, dtype=np.int8)
    for t in range(steps - 1, -1, -1):
        decoded[t] = _INPUT_BIT[state]
        state = int(_PREV[state, choices[t, state]])
    return decoded[:INFO_BITS]


def _whitening(key: bytes) -> list[int]:
    digest = hashlib.sha256(b"render.watermark/whitening\x00" + key).digest()
    return _int_to_bits(int.from_bytes(digest[:9], "big"), INFO_BITS)


def encode_payload(mark_id: int, *, key: bytes = b"") -> BitArray:
    """The 156 coded bits (0/1) carried for ``mark_id`` under ``key``."""
    if not 0 <= mark_id <= MAX_MARK_ID:
        raise ValueError(f"mark_id must be in [0, 2**{ID_BITS}), got {mark_id}")
    id_bits = _int_to_bits(mark_id, ID_BITS)
    info = [b ^ w for b, w in zip([*id_bits, *_crc24(id_bits)], _whitening(key), strict=True)]
    return _conv_encode(info)


def decode_payload(soft: FloatArray, *, key: bytes = b"") -> tuple[int | None, float]:
    """Mark id (None if the check fails) and the fraction of coded bit signs that agree with it."""
    info = _viterbi(np.asarray(soft, dtype=np.float32))
    recoded = _conv_encode(int(b) for b in info)
    agree = float(np.mean((soft > 0) == (recoded == 0)))
    plain = [int(b) ^ w for b, w in zip(info, _whitening(key), strict=True)]
    if plain[ID_BITS:] != _crc24(plain[:ID_BITS]):
        return None, agree
    return int("".join(map(str, plain[:ID_BITS])), 2), agree


# --- patterns --------------------------------------------------------------------------------


def _patterns(key: bytes) -> FloatArray:
    """CODED_BITS orthonormal band-limited tiles, each scaled to unit RMS."""
    seed = int.from_bytes(hashlib.sha256(b"render.watermark/patterns\x00" + key).digest()[:16], "big")
    rng = np.random.default_rng(seed)
    raw = rng.standard_normal((CODED_BITS, TILE, TILE))
    radius = np.hypot(np.fft.fftfreq(TILE)[:, None], np.fft.rfftfreq(TILE)[None, :])
    band = (radius >= BAND[0]) & (radius <= BAND[1])
    # Filtering in the tile's own FFT keeps each pattern cyclic, so the tiled frame has no seams.
    filtered = sfft.irfft2(sfft.rfft2(raw, workers=-1) * band, s=(TILE, TILE), workers=-1).reshape(CODED_BITS, -1)
    # Orthonormalise the rows through the Cholesky factor of their Gram matrix (same result as QR
    # for these well-conditioned random rows, at a twentieth of the cost).
    lower = np.linalg.cholesky(filtered @ filtered.T)
    orthonormal = solve_triangular(lower, filtered, lower=True)
    return (orthonormal.reshape(CODED_BITS, TILE, TILE) * TILE).astype(np.float32)


@dataclass(frozen=True)
class DecodeResult:
    """What a decoder concluded.

    ``score`` is the sync peak's height in standard deviations above the other shifts' scores
    (unmarked media sits around 3-5; a readable mark is usually well above 10). ``bits_agree`` is
    the fraction of the 156 coded bits whose sign matched the decoded codeword; ``soft_bits`` are
    the normalised correlations themselves (positive means a coded 0), for diagnostics.
    """

    found: bool
    mark_id: int | None
    score: float
    bits_agree: float
    frames: int
    shift: tuple[int, int]
    scale: float
    soft_bits: FloatArray = field(default_factory=lambda: np.zeros(0, dtype=np.float32), repr=False, compare=False)


_NOTHING = DecodeResult(found=False, mark_id=None, score=0.0, bits_agree=0.0, frames=0, shift=(0, 0), scale=1.0)


def _luma(image: np.ndarray) -> FloatArray:
    if image.ndim == 2:
        return image.astype(np.float32)
    if image.ndim == 3 and image.shape[2] in (3, 4):
        return image[..., :3].astype(np.float32) @ _LUMA
    raise ValueError(f"expected an HxW or HxWx3 image, got shape {image.shape}")


def _as_array(image: np.ndarray | Image.Image) -> np.ndarray:
    if isinstance(image, Image.Image):
        return np.asarray(image.convert("RGB"))
    return np.asarray(image)


def _rescale(luma: FloatArray, scale: float) -> FloatArray:
    if scale == 1.0:
        return luma
    height, width = luma.shape
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(luma).resize(size, Image.Resampling.BICUBIC), dtype=np.float32)


def _fold(luma: FloatArray) -> npt.NDArray[np.float64]:
    """The whitened residual of one frame summed into one tile (see the module docstring)."""
    residual = luma - ndimage.gaussian_filter(luma, 1.5)
    level = np.sqrt(np.maximum(ndimage.uniform_filter(residual * residual, 9), 0.0)) + 1.0
    residual = np.clip(residual / level, -3.0, 3.0)
    height, width = residual.shape
    padded = np.zeros((-(-height // TILE) * TILE, -(-width // TILE) * TILE), dtype=np.float32)
    padded[:height, :width] = residual
    blocks = padded.reshape(padded.shape[0] // TILE, TILE, padded.shape[1] // TILE, TILE)
    return blocks.sum(axis=(0, 2), dtype=np.float64)


# Folding in strips (`fold_in_strips`): rows per strip (a multiple of TILE, so every strip starts on
# a tile row) and the rows of context read above and below it. The whitening's reach is the Gaussian's
# radius (4 sigma = 6) plus the level filter's (4): a margin of 16 makes each strip's core rows exactly
# what `_fold` computes over the whole frame.
STRIP_ROWS = 2 * TILE
STRIP_MARGIN = 16


def _whiten(luma: FloatArray) -> FloatArray:
    residual = luma - ndimage.gaussian_filter(luma, 1.5)
    level = np.sqrt(np.maximum(ndimage.uniform_filter(residual * residual, 9), 0.0)) + 1.0
    return np.clip(residual / level, -3.0, 3.0)


def _rescaled_rows(luma: np.ndarray, scale: float, top: int, bottom: int, width: int) -> FloatArray:
    """Rows [top, bottom) of `luma` resized by `scale` (bicubic, as `_rescale`), from a source crop."""
    if scale == 1.0:
        return luma[top:bottom].astype(np.float32)
    first = max(0, math.floor(top / scale) - 4)
    last = min(luma.shape[0], math.ceil(bottom / scale) + 4)
    source = Image.fromarray(luma[first:last].astype(np.float32))
    box = (0.0, top / scale - first, float(luma.shape[1]), bottom / scale - first)
    resized = source.resize((width, bottom - top), Image.Resampling.BICUBIC, box=box)
    return np.asarray(resized, dtype=np.float32)


def fold_in_strips(
    luma: np.ndarray, *, scale: float = 1.0, check: Callable[[], None] | None = None
) -> npt.NDArray[np.float64]:
    """`_fold(_rescale(luma, scale))` computed a strip of rows at a time: working memory is a few
    strips of the rescaled width, whatever the frame's height. `luma` is HxW (uint8 or float);
    `check` is called after each strip (a deadline raises from it)."""
    height, width = luma.shape
    out_h, out_w = max(1, round(height * scale)), max(1, round(width * scale))
    padded_w = -(-out_w // TILE) * TILE
    total = np.zeros((TILE, TILE), dtype=np.float64)
    for top in range(0, out_h, STRIP_ROWS):
        bottom = min(out_h, top + STRIP_ROWS)
        lo, hi = max(0, top - STRIP_MARGIN), min(out_h, bottom + STRIP_MARGIN)
        core = _whiten(_rescaled_rows(luma, scale, lo, hi, out_w))[top - lo : bottom - lo]
        block = np.zeros((-(-core.shape[0] // TILE) * TILE, padded_w), dtype=np.float32)
        block[: core.shape[0], :out_w] = core
        total += block.reshape(block.shape[0] // TILE, TILE, padded_w // TILE, TILE).sum(axis=(0, 2), dtype=np.float64)
        if check is not None:
            check()
    return total


class Watermarker:
    """Embeds and decodes marks for one key; holds the per-key patterns and per-size frame caches.

    Build one per key and reuse it: pattern generation takes a few hundred milliseconds, after
    which a 720p frame is marked in a few milliseconds.
    """

    def __init__(self, key: bytes, *, strength: float = DEFAULT_STRENGTH, adaptive: bool = True) -> None:
        if not key:
            raise ValueError("a non-empty watermark key is required")
        self.key = bytes(key)
        self.strength = float(strength)
        self.adaptive = adaptive
        self._patterns = _patterns(self.key)
        self._pattern_spectra = np.conj(sfft.rfft2(self._patterns, workers=-1))
        self._tiles: OrderedDict[int, FloatArray] = OrderedDict()
        self._frames: OrderedDict[tuple[int, int, int], FloatArray] = OrderedDict()

    # --- embedding ---

    def tile(self, mark_id: int) -> FloatArray:
        """The unit-RMS luma offset tile for ``mark_id``."""
        cached = self._tiles.get(mark_id)
        if cached is None:
            signs = 1.0 - 2.0 * encode_payload(mark_id, key=self.key).astype(np.float32)
            tile = np.tensordot(signs, self._patterns, axes=1)
            cached = (tile / np.sqrt(np.mean(tile * tile))).astype(np.float32)
            _remember(self._tiles, mark_id, cached, limit=8)
        return cached

    def _frame_pattern(self, height: int, width: int, mark_id: int) -> FloatArray:
        cache_key = (height, width, mark_id)
        cached = self._frames.get(cache_key)
        if cached is None:
            reps = (-(-height // TILE), -(-width // TILE))
            cached = np.ascontiguousarray(np.tile(self.tile(mark_id) * self.strength, reps)[:height, :width])
            _remember(self._frames, cache_key, cached, limit=4)
        return cached

    def _mask(self, frame: U8Image) -> FloatArray:
        height, width = frame.shape[:2]
        small = frame[::4, ::4].astype(np.float32) @ _LUMA
        activity = ndimage.uniform_filter(np.abs(ndimage.laplace(small)), 3)
        mask = np.sqrt(np.sqrt(activity + 2.0))
        mask = np.clip(mask / np.sqrt(np.mean(mask * mask)), 0.6, 1.6)
        return mask.repeat(4, axis=0).repeat(4, axis=1)[:height, :width]

    def embed(self, frame: U8Image, mark_id: int) -> U8Image:
        """A marked copy of an HxWx3 uint8 RGB frame."""
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(f"expected an HxWx3 uint8 RGB frame, got {frame.dtype} {frame.shape}")
        height, width = frame.shape[:2]
        offset = self._frame_pattern(height, width, mark_id)
        if self.adaptive:
            offset = offset * self._mask(frame)
        # Rounding half up keeps the offset zero-mean; int16 leaves room below 0 and above 255.
        delta = np.floor(offset + 0.5).astype(np.int16)
        marked = frame.astype(np.int16)
        marked += delta[..., None]
        np.clip(marked, 0, 255, out=marked)
        return marked.astype(np.uint8)

    # --- decoding ---

    def fold(self, image: np.ndarray | Image.Image, *, scale: float = 1.0) -> npt.NDArray[np.float64]:
        """One frame's evidence, a TILE x TILE array; sum folds of frames to combine them."""
        return _fold(_rescale(_luma(_as_array(image)), scale))

    def decode_fold(self, folded: npt.NDArray[np.float64], *, frames: int = 1, scale: float = 1.0) -> DecodeResult:
        """Find the tile alignment in summed evidence and read the payload there."""
        spectrum = sfft.rfft2(folded.astype(np.float32), workers=-1)
        corr = sfft.irfft2(spectrum[None] * self._pattern_spectra, s=(TILE, TILE), workers=-1)
        corr /= corr.std(axis=(1, 2), keepdims=True) + 1e-12
        score_map = np.einsum("kij,kij->ij", corr, corr)
        flat_best = int(np.argmax(score_map))
        dy, dx = divmod(flat_best, TILE)
        spread = float(score_map.std()) or 1.0
        score = float((score_map[dy, dx] - score_map.mean()) / spread)
        soft = corr[:, dy, dx].astype(np.float32)
        mark_id, agree = decode_payload(soft, key=self.key)
        found = mark_id is not None and score >= MIN_SCORE
        return DecodeResult(
            found=found,
            mark_id=mark_id if found else None,
            score=score,
            bits_agree=agree,
            frames=frames,
            shift=(dy, dx),
            scale=scale,
            soft_bits=soft,
        )

    def decode(self, image: np.ndarray | Image.Image, *, scales: Iterable[float] = (1.0,)) -> DecodeResult:
        accumulator = VideoMarkAccumulator(self, scales=scales)
        accumulator.add(image)
        return accumulator.result()


class VideoMarkAccumulator:
    """Combines evidence from frames as they stream past; memory is one tile per scale tried."""

    def __init__(self, watermarker: Watermarker, *, scales: Iterable[float] = (1.0,)) -> None:
        self.watermarker = watermarker
        self.scales = tuple(float(s) for s in scales)
        if not self.scales or any(not math.isfinite(s) or s <= 0 for s in self.scales):
            raise ValueError("scales must be positive numbers")
        self._sums = {s: np.zeros((TILE, TILE), dtype=np.float64) for s in self.scales}
        self.frames = 0

    def add(self, frame: np.ndarray | Image.Image) -> None:
        luma = _luma(_as_array(frame))
        for scale in self.scales:
            self._sums[scale] += _fold(_rescale(luma, scale))
        self.frames += 1

    def add_luma(self, luma: np.ndarray, *, check: Callable[[], None] | None = None) -> None:
        """Add one frame given as HxW luma, folded in strips (bounded memory; see `fold_in_strips`)."""
        for scale in self.scales:
            self._sums[scale] += fold_in_strips(luma, scale=scale, check=check)
        self.frames += 1

    def result(self) -> DecodeResult:
        if self.frames == 0:
            return _NOTHING
        best: DecodeResult | None = None
        for scale in self.scales:
            result = self.watermarker.decode_fold(self._sums[scale], frames=self.frames, scale=scale)
            if result.found:
                return result
            if best is None or result.score > best.score:
                best = result
        assert best is not None
        return best


def _remember(cache: OrderedDict[_K_T, _V_T], key: _K_T, value: _V_T, *, limit: int) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > limit:
        cache.popitem(last=False)


@lru_cache(maxsize=4)
def watermarker_for(key: bytes) -> Watermarker:
    """A shared Watermarker per key, so module-level calls do not rebuild patterns each time."""
    return Watermarker(key)


def embed_frame(frame_rgb: U8Image, *, mark_id: int, key: bytes) -> U8Image:
    return watermarker_for(key).embed(frame_rgb, mark_id)


def decode_image(image: np.ndarray | Image.Image, *, key: bytes, scales: Iterable[float] = (1.0,)) -> DecodeResult:
    return watermarker_for(key).decode(image, scales=scales)


def decode_video_frames(
    frames: Iterable[np.ndarray | Image.Image], *, key: bytes, scales: Iterable[float] = (1.0,)
) -> DecodeResult:
    accumulator = VideoMarkAccumulator(watermarker_for(key), scales=scales)
    for frame in frames:
        accumulator.add(frame)
    return accumulator.result()


def psnr(original: np.ndarray, marked: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB between two uint8 images of the same shape."""
    mse = float(np.mean((original.astype(np.float64) - marked.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10.0 * math.log10(255.0**2 / mse)
