"""The compiled scan behind the `quantised` face-search index (likeness/vector_index.py).

One pass over every stored vector's 4-bit codes (two codes a byte) against the query's 8-bit
codes, integer products only, and for each vector a float64 LOWER BOUND on its squared distance
to the query; the proof that it is a lower bound is in vector_index.py ("Why nothing is missed
(quantised)"). numpy has no kernel for an 8-bit by 4-bit product, so the loops are compiled, lazily
on the first use in a process (about a second), never at import: most processes never search
faces. There is no on-disk compile cache: the production containers' root file system is read-only.

The integer products, which are the whole cost, come from one of two compiled loops:

* `avx512-vnni` where the CPU has AVX-512 VNNI: a dozen lines of LLVM IR (compiled with llvmlite,
  which numba brings) whose inner step is `vpdpbusd`, 64 unsigned nibbles times 64 signed query
  bytes summed into 16 int32 lanes in one instruction. Measured at 1M x 512-d on this project's
  2-core machines: 10.9 ms on one core, against 9.8 ms to merely read the 256 MB of codes.
* `numba` everywhere else: the same sums as a plain loop that LLVM vectorises with `vpmaddwd`
  (23.5 ms on one core). Both give identical integers (tests/test_quantised_face_search_is_proven.py
  compares them with numpy's), so the choice changes speed, never an answer.

Rows are padded to a multiple of 64 code bytes (nibble 8, the code 0, against query bytes 0), so
the VNNI loop needs no remainder. The float step and the quantiser are numba. Every loop releases
the GIL, and the rows are split over a small thread pool, one pool per process (recreated after a
fork: a pool's threads do not survive one), so a search uses the cores it may and concurrent
searches from a threaded server neither serialise nor share state.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

# Below this many rows a search is answered on the calling thread: the pool's hand-off costs more.
INLINE_ROWS = 32_768
# Chunks a search is cut into per core: a core slowed by other work does not hold the answer back.
CHUNKS_PER_WORKER = 4

_guard = threading.Lock()


def workers() -> int:
    """The cores this process may use: its CPU set, capped by a cgroup CPU quota (a Kubernetes CPU
    limit leaves the whole host in the CPU set; more threads than the quota only queue)."""
    try:
        cores = max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        cores = max(1, os.cpu_count() or 1)
    quota = _cgroup_cpu_quota()
    return min(cores, quota) if quota else cores


def _cgroup_cpu_quota(path: str = "/sys/fs/cgroup/cpu.max", v1_folder: str = "/sys/fs/cgroup/cpu") -> int | None:
    """ceil(quota / period) from cgroup v2's cpu.max ("max 100000" when unlimited), or from cgroup
    v1's cpu.cfs_quota_us and cpu.cfs_period_us (-1 when unlimited); None without a limit."""
    try:
        with open(path, encoding="ascii") as limits:
            quota, period = limits.read().split()[:2]
    except (OSError, ValueError):
        try:
            with open(f"{v1_folder}/cpu.cfs_quota_us", encoding="ascii") as quota_file:
                quota = quota_file.read().strip()
            with open(f"{v1_folder}/cpu.cfs_period_us", encoding="ascii") as period_file:
                period = period_file.read().strip()
        except OSError:
            return None
    try:
        return None if quota in ("max", "-1") else max(1, -(-int(quota) // int(period)))
    except (ValueError, ZeroDivisionError):
        return None


@dataclass(frozen=True)
class _Kernels:
    products: Callable[..., None]  # (codes, query_low, query_high, start, stop, totals)
    bounds: Callable[..., None]
    quantise: Callable[..., None]
    path: str  # which loop gives the products: "avx512-vnni" or "numba"


def _compile() -> _Kernels:
    import numba

    # Compiled kernels take their arrays positionally: numba and the pool hand them on as a tuple.
    @numba.njit(nogil=True, boundscheck=False, cache=False)
    def products(codes: Any, query_low: Any, query_high: Any, start: int, stop: int, totals: Any) -> None:  # noqa: PLR0917
        half = codes.shape[1]
        low_mask, shift = np.int32(15), np.int32(4)
        for row in range(start, stop):
            packed = codes[row]
            total = np.int32(0)  # at most 15 * 127 * 2 * half: far inside int32 for any face embedding
            for j in range(half):
                byte = np.int32(packed[j])
                total += (byte & low_mask) * np.int32(query_low[j]) + (byte >> shift) * np.int32(query_high[j])
            totals[row] = total

    # A loop of its own: with the float step in the integer loop LLVM stops vectorising that loop
    # (measured: 50 ms against 25 ms a core at 1M x 512-d).
    @numba.njit(nogil=True, boundscheck=False, cache=False)
    def bounds(  # noqa: PLR0917
        per_row: Any,
        query_scale: float,
        query_residual: float,
        query_norm: float,
        query_sq: float,
        query_code_sum: int,
        start: int,
        stop: int,
        totals: Any,
        out: Any,
    ) -> None:
        offset = np.int32(8) * np.int32(query_code_sum)  # the stored nibble is c + 8
        for row in range(start, stop):
            product = np.float64(totals[row] - offset)  # sum over i of k_i * c_i, exactly
            scale, code_norm = np.float64(per_row[row, 0]), np.float64(per_row[row, 1])
            residual, sq_norm = np.float64(per_row[row, 2]), np.float64(per_row[row, 3])
            upper = scale * query_scale * product + code_norm * query_residual + query_norm * residual
            # lowered past the float64 rounding of these few operations: a bound, never an estimate
            out[row] = (query_sq + sq_norm - 2.0 * upper) - 1e-12 * (query_sq + sq_norm + 2.0 * abs(upper))

    @numba.njit(nogil=True, boundscheck=False, cache=False)
    def quantise_rows(  # noqa: PLR0917
        vectors: Any, gaussian_step: float, start: int, stop: int, packed: Any, exact_row: Any
    ) -> None:
        dim = vectors.shape[1]
        for row in range(start, stop):
            x = vectors[row]
            sq_norm, peak = 0.0, 0.0
            for i in range(dim):
                value = np.float64(x[i])
                sq_norm += value * value
                peak = max(peak, abs(value))
            lowest, highest, half_step = np.float32(-8.0), np.float32(7.0), np.float32(0.5)
            best_scale, best_error = np.float32(1.0), np.inf
            for candidate in (gaussian_step * np.sqrt(sq_norm / max(dim, 1)), peak / 7.5):
                scale = np.float32(candidate)
                if not scale > 0:  # a zero row, or a step too small for float32
                    scale = np.float32(1.0)
                error = 0.0
                for i in range(dim):
                    code = min(max(np.floor(x[i] / scale + half_step), lowest), highest)
                    difference = np.float64(x[i]) - np.float64(scale) * np.float64(code)
                    error += difference * difference
                if error < best_error:
                    best_scale, best_error = scale, error
            code_sq = 0.0
            for j in range(packed.shape[1]):
                pair = np.uint8(0)
                for half in range(2):
                    i = 2 * j + half
                    code = 0.0
                    if i < dim:
                        code = min(max(np.floor(x[i] / best_scale + half_step), lowest), highest)
                    code_sq += np.float64(code) * np.float64(code)
                    pair |= np.uint8(np.int32(code) + 8) << np.uint8(4 * half)
                packed[row, j] = pair
            exact_row[row, 0] = best_scale
            exact_row[row, 1] = np.float64(best_scale) * np.sqrt(code_sq)
            exact_row[row, 2] = np.sqrt(best_error)
            exact_row[row, 3] = sq_norm

    vnni = _vnni_products()
    if vnni is not None:
        return _Kernels(products=vnni, bounds=bounds, quantise=quantise_rows, path="avx512-vnni")
    return _Kernels(products=products, bounds=bounds, quantise=quantise_rows, path="numba")


# The VNNI loop, in LLVM IR: for each row, 64 code bytes at a time, the low and the high nibbles
# (unsigned, 0..15) times the query's bytes for the even and the odd coordinates (signed), four
# products a lane summed into 16 int32 lanes by vpdpbusd; one horizontal sum a row.
_VNNI_IR = """
declare <16 x i32> @llvm.x86.avx512.vpdpbusd.512(<16 x i32>, <16 x i32>, <16 x i32>)
declare i32 @llvm.vector.reduce.add.v16i32(<16 x i32>)

define void @products(ptr %codes, i64 %width, ptr %low, ptr %high, i64 %start, i64 %stop, ptr %totals) {
entry:
  %empty = icmp sge i64 %start, %stop
  br i1 %empty, label %done, label %row
row:
  %r = phi i64 [ %start, %entry ], [ %r.next, %row.end ]
  %offset = mul i64 %r, %width
  %row.codes = getelementptr i8, ptr %codes, i64 %offset
  br label %step
step:
  %k = phi i64 [ 0, %row ], [ %k.next, %step ]
  %acc = phi <16 x i32> [ zeroinitializer, %row ], [ %acc.high, %step ]
  %at = getelementptr i8, ptr %row.codes, i64 %k
  %bytes = load <64 x i8>, ptr %at, align 1
  %nibbles.low = and <64 x i8> %bytes, MASK
  %nibbles.high = lshr <64 x i8> %bytes, SHIFT
  %at.low = getelementptr i8, ptr %low, i64 %k
  %at.high = getelementptr i8, ptr %high, i64 %k
  %query.low = load <64 x i8>, ptr %at.low, align 1
  %query.high = load <64 x i8>, ptr %at.high, align 1
  %a.low = bitcast <64 x i8> %nibbles.low to <16 x i32>
  %a.high = bitcast <64 x i8> %nibbles.high to <16 x i32>
  %b.low = bitcast <64 x i8> %query.low to <16 x i32>
  %b.high = bitcast <64 x i8> %query.high to <16 x i32>
  %acc.low = call <16 x i32> @llvm.x86.avx512.vpdpbusd.512(<16 x i32> %acc, <16 x i32> %a.low, <16 x i32> %b.low)
  %acc.high = call <16 x i32> @llvm.x86.avx512.vpdpbusd.512(<16 x i32> %acc.low, <16 x i32> %a.high, <16 x i32> %b.high)
  %k.next = add i64 %k, 64
  %more = icmp slt i64 %k.next, %width
  br i1 %more, label %step, label %row.end
row.end:
  %total = call i32 @llvm.vector.reduce.add.v16i32(<16 x i32> %acc.high)
  %at.total = getelementptr i32, ptr %totals, i64 %r
  store i32 %total, ptr %at.total, align 4
  %r.next = add i64 %r, 1
  %rows.more = icmp slt i64 %r.next, %stop
  br i1 %rows.more, label %row, label %done
done:
  ret void
}
""".replace("MASK", "<" + ", ".join(["i8 15"] * 64) + ">").replace("SHIFT", "<" + ", ".join(["i8 4"] * 64) + ">")

# The compiled module must outlive every call: the engine owns the machine code.
_vnni_engine: list[Any] = []


def _vnni_products() -> Callable[..., None] | None:
    """The VNNI loop as a callable like the numba one, or None where the CPU lacks AVX-512 VNNI."""
    import ctypes

    import llvmlite.binding as llvm

    features = llvm.get_host_cpu_features()
    if not all(features.get(name, False) for name in ("avx512f", "avx512bw", "avx512vnni")):
        return None
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    module = llvm.parse_assembly(_VNNI_IR)
    module.verify()
    machine = llvm.Target.from_default_triple().create_target_machine(
        cpu=llvm.get_host_cpu_name(), features=features.flatten(), opt=3
    )
    engine = llvm.create_mcjit_compiler(module, machine)
    engine.finalize_object()
    _vnni_engine.append(engine)
    pointer, integer = ctypes.c_void_p, ctypes.c_int64
    signature = ctypes.CFUNCTYPE(None, pointer, integer, pointer, pointer, integer, integer, pointer)
    compiled = signature(engine.get_function_address("products"))

    def products(  # noqa: PLR0917
        codes: np.ndarray, low: np.ndarray, high: np.ndarray, start: int, stop: int, totals: np.ndarray
    ) -> None:
        # ctypes releases the GIL for the call; the arrays are C-contiguous (the index's own).
        addresses = (codes.ctypes.data, low.ctypes.data, high.ctypes.data, totals.ctypes.data)
        compiled(addresses[0], codes.strides[0], addresses[1], addresses[2], start, stop, addresses[3])

    return products


def code_bytes(dim: int) -> int:
    """Bytes of codes a vector takes: two coordinates a byte, padded to a multiple of 64."""
    return 64 * max(1, -(-dim // 128))


class _Shared:
    """The process's kernels and pool: compiled on first use, the pool remade after a fork."""

    kernels: _Kernels | None = None
    pid: int | None = None  # the process the pool and the thread count belong to
    threads: int = 1
    pool: ThreadPoolExecutor | None = None


_shared = _Shared()


def _kernels_and_pool() -> tuple[_Kernels, ThreadPoolExecutor | None, int]:
    """(the kernels, the pool or None for one core, the pool's threads), made once per process."""
    with _guard:
        if _shared.kernels is None:
            _shared.kernels = _compile()
        if _shared.pid != os.getpid():
            _shared.pid, _shared.threads = os.getpid(), workers()
            _shared.pool = None
            if _shared.threads > 1:
                _shared.pool = ThreadPoolExecutor(max_workers=_shared.threads, thread_name_prefix="face-scan")
        return _shared.kernels, _shared.pool, _shared.threads


def _over_rows(kernel: Callable[..., None], arguments: tuple[Any, ...], count: int, outputs: tuple[Any, ...]) -> None:
    """kernel(*arguments, start, stop, *outputs) over rows [0, count), split over the cores."""
    _, pool, threads = _kernels_and_pool()
    if pool is None or count < INLINE_ROWS:
        kernel(*arguments, 0, count, *outputs)
        return
    # A few chunks per core: a core slowed by other work does not hold the whole answer back.
    chunk = max(INLINE_ROWS // 2, -(-count // (CHUNKS_PER_WORKER * threads)))
    futures = [
        pool.submit(kernel, *arguments, start, min(start + chunk, count), *outputs) for start in range(0, count, chunk)
    ]
    for future in futures:
        future.result()


_buffers = threading.local()


def _buffers_for(count: int) -> tuple[np.ndarray, np.ndarray]:
    """This thread's output buffers, reused: fresh 12 MB arrays at 1M rows cost page faults each query."""
    held: tuple[np.ndarray, np.ndarray] | None = getattr(_buffers, "held", None)
    if held is None or len(held[0]) < count:
        held = (np.empty(max(count, 1024), dtype=np.int32), np.empty(max(count, 1024), dtype=np.float64))
        _buffers.held = held
    return held[0][:count], held[1][:count]


def scan_path() -> str:
    """Which loop gives the integer products in this process: "avx512-vnni" or "numba"."""
    kernels, _, _ = _kernels_and_pool()
    return kernels.path


def lower_bounds(codes: np.ndarray, per_row: np.ndarray, count: int, query: QueryCodes) -> np.ndarray:
    """Lower bounds on the squared distance from the query to each of the first `count` rows.

    The array returned is this thread's buffer: valid until the thread's next call."""
    if count > min(len(codes), len(per_row)):  # the compiled loops read raw memory: never past the arrays
        raise ValueError(f"{count} rows asked of arrays holding {min(len(codes), len(per_row))}")
    kernels, _, _ = _kernels_and_pool()
    totals, out = _buffers_for(count)
    products, bounds = kernels.products, kernels.bounds
    scalars = (query.scale, query.residual, query.norm, query.sq_norm, query.code_sum)

    def rows(start: int, stop: int) -> None:
        products(codes, query.low, query.high, start, stop, totals)
        bounds(per_row, *scalars, start, stop, totals, out)

    _over_rows(rows, (), count, ())
    return out


class QueryCodes:
    """The query as 8-bit codes k with scale s_q and residual e_q = q - s_q k (vector_index.py)."""

    __slots__ = ("code_sum", "high", "low", "norm", "residual", "scale", "sq_norm")

    def __init__(self, query: np.ndarray, width: int) -> None:
        """`width`: the stored rows' code bytes (code_bytes(dim)); the query's are padded with 0."""
        exact = query.astype(np.float64)
        peak = float(np.abs(exact).max()) if len(exact) else 0.0
        self.scale = peak / 127.0 if peak > 0 else 1.0
        codes = np.clip(np.rint(exact / self.scale), -127, 127)
        self.residual = float(np.linalg.norm(exact - self.scale * codes)) * (1 + 1e-12)
        self.norm = float(np.linalg.norm(exact))
        self.sq_norm = float(exact @ exact)
        self.code_sum = int(codes.sum())
        padded = np.zeros(2 * width, dtype=np.int8)
        padded[: len(codes)] = codes
        self.low = np.ascontiguousarray(padded[0::2])
        self.high = np.ascontiguousarray(padded[1::2])


# The step of the uniform 16-level quantiser with the least mean squared error for Gaussian
# coordinates, in units of their standard deviation (Max, 1960); face embeddings are close to that.
GAUSSIAN_STEP = 0.3352


def quantise(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(packed 4-bit codes, per-row table [s, s |c|, |x - s c|, |x|^2]) of each row of `vectors`.

    c = clip(round(x / s), -8, 7), the nibble stored is c + 8, and s is whichever of two steps
    leaves the smaller residual: the Gaussian-optimal one for the row's spread (it clips the few
    largest coordinates) or the one that clips nothing. Clipping is safe: the residual is measured
    in float64, not assumed, and the choice only decides how tight the bound is."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    rows, dim = vectors.shape
    kernels, _, _ = _kernels_and_pool()
    packed = np.empty((rows, code_bytes(dim)), dtype=np.uint8)
    exact_row = np.empty((rows, 4), dtype=np.float64)
    _over_rows(kernels.quantise, (vectors, GAUSSIAN_STEP), rows, (packed, exact_row))
    # The per-row table is float32, rounded so the bound stays a bound: the scale is a float32
    # already (the codes were made with it), |x|^2 is rounded down, s|c| and the residual up.
    per_row = np.empty((rows, 4), dtype=np.float32)
    per_row[:, 0] = exact_row[:, 0]
    per_row[:, 1] = _rounded(exact_row[:, 1], up=True)
    per_row[:, 2] = _rounded(exact_row[:, 2], up=True)
    per_row[:, 3] = _rounded(exact_row[:, 3], up=False)
    return packed, per_row


def _rounded(values: np.ndarray, *, up: bool) -> np.ndarray:
    """float64 values to float32, each rounded up (or down) past any float64 error in computing them."""
    widened = values * (1 + 1e-12) if up else values * (1 - 1e-12)
    single = widened.astype(np.float32)
    toward = np.float32(np.inf if up else -np.inf)
    return np.where((single < widened) if up else (single > widened), np.nextafter(single, toward), single)
