"""CPU drivers: the device functions compiled with numba.njit, looped in parallel over samples.

Results never depend on the thread count: every sample's numbers come from its own counter, and
reductions add integer counts.

The public drivers are plain Python functions that take a families.KernelSpec and a seed (an int
below 2^64), check the family id, split the seed into Philox key words and call the compiled kernels
(the functions whose names start with an underscore), whose scalar arguments are as numba needs them:

    fill(out, spec, seed, offset=0, *, chunks=None)
    reduce(spec, n, offset, radii, lows, inv_widths, nbins, seed, stream, *, chunks=None)
    sample_stats(spec, n, offset, seed, stream)
    log_ratios_of(spec, stats, radii)

The same positional signatures as kernels/gpu.py's fill and reduce; `chunks` is this driver's tuning.
"""
import math

import numba
import numpy as np
from numba import njit, prange, types
from numba.extending import intrinsic

from . import config, families
from .device import COORDS, EXTRA, GAMMA_A, STREAM_FILL, ZIGGURAT_BLOCKS, define
from .families import GAUSSIAN, L1, L2, LINF, MIXED

CACHE_DIR = config.cache_root()


def _cpu_jit(parallel=False, inline=False):
    """numba.njit with this package's options, which every compiled CPU function shares:

    - cache=True: machine code is kept on disk, in CACHE_DIR (set around each decoration by
      config.numba_cache_dir, so numba's own setting is left as it was);
    - error_model="numpy": a float division is plain IEEE (numba's default checks for zero, and the
      branch stops LLVM from vectorizing loops over samples);
    - fastmath off (numba's default, written out): LLVM keeps every multiply and add separately
      rounded and in source order, so the floats equal the CUDA kernels' (NVVM compiles them with
      -fma=0, kernels/gpu.py) and the plain-Python reference's;
    - parallel=True for the drivers whose prange loops run chunks of samples on numba's threads;
    - inline=True (inline="always") for the small per-sample functions called in loops over samples:
      numba inlines them into the caller, and LLVM vectorizes a loop only across code it can see."""
    options = dict(cache=True, error_model="numpy", fastmath=False)
    if parallel:
        options["parallel"] = True
    if inline:
        options["inline"] = "always"

    def decorate(fn):
        with config.numba_cache_dir(CACHE_DIR):  # numba reads its CACHE_DIR when a cached function is made
            return njit(**options)(fn)
    return decorate


dev = define(_cpu_jit(), _cpu_jit(inline=True), exception_values=False)  # a constant message: see define
philox = dev["philox"]
_fill_row = dev["fill_row"]
_block, _block_words, _gamma = dev["block"], dev["block_words"], dev["gamma"]
_ziggurat, _ziggurat_fast = dev["ziggurat"], dev["ziggurat_fast"]
_mixed_fast, _mixed_coordinate, _mixed_draw_t = dev["mixed_fast"], dev["mixed_coordinate"], dev["mixed_draw_t"]
_signed_uniform, _log_positive = dev["signed_uniform"], dev["elementary"]["log_positive"]
_sample_stats, _log_ratio, _histogram_bin = dev["sample_stats"], dev["log_ratio"], dev["histogram_bin"]
_l2_draws_from, _l2_finish_radius, _l2_finish_u1 = dev["l2_draws_from"], dev["l2_finish_radius"], dev["l2_finish_u1"]
_l2_stats_from, _l2_unscaled, _face_index = dev["l2_stats_from"], dev["l2_unscaled"], dev["face_index"]
_log_ratio_l2_series, _log_ratio_l2_log1p = dev["log_ratio_l2_series"], dev["log_ratio_l2_log1p"]
_log_ratio_l2, _normal_pair = dev["log_ratio_l2"], dev["normal_pair"]
_gamma_squeeze, _gamma_exact = dev["gamma_squeeze"], dev["gamma_exact"]

FAMILY_CODES = families.FAMILY_IDS  # the former name of the family ids
FILL_CHUNKS = 256  # fill's default number of chunks (each with a scratch array), at most one a row
BATCH = 256  # samples per vectorized pass of the L2 reduction (a multiple of 8; 128 and 512 measured no faster)
PENDING = 64  # L2-family samples whose first attempts were undecided, finished together (about 10,000 samples' worth)


def _threads():
    """reduce's default number of chunks: numba's thread count (one chunk a thread)."""
    return max(1, numba.get_num_threads())


# ---- the public drivers ------------------------------------------------------------------------
def fill(out, spec, seed, offset=0, *, chunks=None):
    """Fill row i of out (float32, (n, spec.d), C-contiguous) with sample offset + i of the noise of
    `spec`; chunks: how many pieces the rows are split into (at most FILL_CHUNKS by default; the
    values do not depend on it). Returns out."""
    family = families.check_family(spec.family)
    if out.shape[1] != spec.d:
        raise ValueError(f"out has {out.shape[1]} columns, the noise {spec.d} coordinates")
    k0, k1 = families.seed_words(seed)
    _fill(out, family, spec.shape, spec.scale, spec.table, spec.log_tau, k0, k1, np.uint64(offset),
          FILL_CHUNKS if chunks is None else max(1, int(chunks)))
    return out


def reduce(spec, n, offset, radii, lows, inv_widths, nbins, seed, stream, *, chunks=None):
    """Histograms of X = log(pi0(z - delta*_r) / pi0(z)) at every radius r in `radii`, over samples
    offset .. offset + n - 1 of `stream`. The statistics of a sample are drawn once and shared by all
    radii. Returns int64 counts of shape (len(radii), nbins + 2): slot 0 below lows[j], 1..nbins the
    bins of width 1 / inv_widths[j], nbins + 1 at or above the top. chunks: how many pieces the
    samples are split into (numba's thread count by default; the counts do not depend on it)."""
    family = families.check_family(spec.family, families.WITH_LOG_RATIO)
    k0, k1 = families.seed_words(seed)
    n_chunks = _threads() if chunks is None else max(1, int(chunks))
    n, offset, nbins, stream = int(n), int(offset), int(nbins), int(stream)
    if family == L2 or family == GAUSSIAN:
        return _reduce_l2(n, offset, spec.shape, spec.d, spec.k, spec.scale, radii, lows, inv_widths, nbins, k0, k1,
                          stream, n_chunks)
    if family == MIXED:
        return _reduce_mixed(n, offset, spec.d, spec.k, spec.scale, spec.table, spec.log_tau, radii, lows,
                             inv_widths, nbins, k0, k1, stream, n_chunks)
    return _reduce_per_sample(family, n, offset, spec.shape, spec.d, spec.k, spec.scale, spec.table, spec.log_tau,
                              radii, lows, inv_widths, nbins, k0, k1, stream, n_chunks)


def sample_stats(spec, n, offset, seed, stream):
    """The statistics of samples offset .. offset + n - 1 of `stream` (device sample_stats) as an
    (n, 4) float64 array: drawn once, X at any radius follows from them (log_ratios_of)."""
    family = families.check_family(spec.family, families.WITH_LOG_RATIO)
    k0, k1 = families.seed_words(seed)
    return _sample_stats_of(family, int(n), int(offset), spec.shape, spec.d, spec.table, spec.log_tau, k0, k1, stream)


def log_ratios_of(spec, stats, radii):
    """X of each sample of `stats` (from sample_stats) at each radius, as a (len(radii), n) array."""
    family = families.check_family(spec.family, families.WITH_LOG_RATIO)
    return _log_ratios_of(family, stats, radii, spec.d, spec.k, spec.scale)


# ---- compiled kernels ----------------------------------------------------------------------------
@intrinsic
def _prefer_wide_vectors(typingctx):
    """Ask LLVM to vectorize the function that calls this with 512-bit vectors where the CPU has them
    (the "prefer-vector-width" function attribute; LLVM's default on AVX-512 CPUs is 256 bits). The
    reduction's loops carry long dependency chains (Philox rounds, then log and square root): twice
    the lanes per instruction made its draws 1.37x faster on this project's machine (bench/RESULTS.md).
    Results are unchanged: each lane runs the same IEEE operations, and nothing is contracted into
    FMAs at either width. A hint only: if llvmlite stops accepting the attribute, the code compiles
    as before."""
    def codegen(context, builder, signature, args):
        try:
            set.add(builder.function.attributes, '"prefer-vector-width"="512"')  # llvmlite checks known names only
        except Exception:  # noqa: BLE001 - a speed hint must never stop compilation
            pass
        return context.get_dummy_value()
    return types.none(), codegen


@_cpu_jit()
def _mixed_values(words, values, tau, k0, k1, index, stream):
    """values[j] = the device mixed_coordinate of coordinate j, from the words of block_words(COORDS):
    the fast paths in SIMD loops (coordinate 2b from words 0 and 1 of block b, 2b + 1 from words 2
    and 3), then the full path where they left NaN."""
    d = values.size
    w0, w1, w2, w3 = words[0], words[1], words[2], words[3]
    for b in range((d + 1) // 2):
        values[2 * b] = _mixed_fast(w0[b], w1[b], tau)
    for b in range(d // 2):
        values[2 * b + 1] = _mixed_fast(w2[b], w3[b], tau)
    for j in range(d):
        if values[j] != values[j]:
            b, t = j // 2, 2 * (j % 2)
            values[j] = _mixed_coordinate(words[t, b], words[t + 1, b], tau, k0, k1, index, stream, j)


@_cpu_jit(parallel=True)
def _fill(out, family, shape, scale, cdf, log_tau, k0, k1, offset, chunks):
    """fill's kernel: row i of out = sample offset + i of `family`, the rows split into at most
    `chunks` pieces.

    Gaussian, L1-family, L2-family and mixed rows are made in passes over a per-chunk scratch of
    Philox words: the word loop has no transcendental calls and vectorizes (and so does the L1
    family's loop of logarithms); the values equal the device functions' (fill_gaussian, fill_l1,
    fill_l2, fill_mixed), which the CUDA kernels run (tests/test_kernels.py checks it)."""
    n, d = out.shape
    if family == LINF:
        for i in prange(n):
            _fill_row(out[i], family, shape, scale, cdf, log_tau, k0, k1, np.uint64(offset + i))
        return
    n_chunks = min(n, chunks)  # scratch per chunk
    chunk = (n + n_chunks - 1) // max(n_chunks, 1)
    if family == L1:  # the device fill_l1 arithmetic: four coordinates a block
        for c in prange(n_chunks):
            words = np.empty((4, (d + 3) // 4), np.uint64)
            exponentials = np.empty(d)
            for i in range(c * chunk, min(n, (c + 1) * chunk)):
                index = np.uint64(offset + i)
                _block_words(words, k0, k1, index, STREAM_FILL, COORDS)
                row = out[i]
                for t in range(4):  # coordinates 4b + t from word t of block b
                    words_t = words[t]
                    for b in range((d - t + 3) // 4):
                        sign, u = _signed_uniform(words_t[b])
                        e = -_log_positive(u)
                        exponentials[4 * b + t] = e
                        row[4 * b + t] = sign * e
                total = 0.0
                for j in range(d):  # in coordinate order, as the device function adds
                    total += exponentials[j]
                factor32 = np.float32(scale * _gamma(shape, k0, k1, index, STREAM_FILL, GAMMA_A) / total)
                for j in range(d):
                    row[j] = row[j] * factor32
        return
    if family != L2 and family != GAUSSIAN and family != MIXED:  # the families the loop below makes
        raise ValueError("unknown kernel family id", family)
    n_blocks = (d + 1) // 2
    for c in prange(n_chunks):
        words = np.empty((4, n_blocks), np.uint64)
        normals = np.empty(d)
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            index = np.uint64(offset + i)
            _block_words(words, k0, k1, index, STREAM_FILL, COORDS)
            row = out[i]
            if family == MIXED:  # the device fill_mixed arithmetic, on the stored words
                tau, face_u, sign = _mixed_draw_t(cdf, log_tau, k0, k1, index, STREAM_FILL)
                _mixed_values(words, normals, tau, k0, k1, index, STREAM_FILL)
                for j in range(d):
                    row[j] = scale * normals[j]
                row[_face_index(face_u, d)] = sign * scale * tau
                continue
            # the device fill_gaussian / fill_l2 arithmetic, on the stored words: the ziggurat's fast
            # path in a SIMD loop, its slow draws (1.5%) after, then the stores and the squared norm
            # (coordinate 2b from words 0 and 1 of block b, 2b + 1 from words 2 and 3)
            w0, w1, w2, w3 = words[0], words[1], words[2], words[3]
            for b in range((d + 1) // 2):
                normals[2 * b] = _ziggurat_fast(w0[b], w1[b])
            for b in range(d // 2):
                normals[2 * b + 1] = _ziggurat_fast(w2[b], w3[b])
            for j in range(d):
                if normals[j] != normals[j]:
                    b, t = j // 2, 2 * (j % 2)
                    normals[j] = _ziggurat(words[t, b], words[t + 1, b], k0, k1, index, STREAM_FILL,
                                           ZIGGURAT_BLOCKS * j)
            sigma = scale if family == GAUSSIAN else 1.0
            for j in range(d):
                row[j] = sigma * normals[j]
            if family == L2:
                sq = 0.0
                for j in range(d):  # in coordinate order, as the device function adds
                    sq += normals[j] * normals[j]
                radius = scale * math.sqrt(2.0 * _gamma(shape, k0, k1, index, STREAM_FILL, GAMMA_A))
                factor32 = np.float32(radius / math.sqrt(sq))
                for j in range(d):
                    row[j] = row[j] * factor32


@_cpu_jit()
def _finish_pending(count, index, n_radius, n_u1, w2, w3, g_radius, u1, shape, d, k, scale, radii, lows, inv_widths,
                    nbins, placeholder_slots, k0, k1, stream, counts):
    """Finish `count` deferred L2-family samples (the pass counted each at placeholder_slots) and
    count them at their own slots: the device l2_finish_radius and l2_finish_u1 on their stored first
    attempts, then stats and X as for the others. The two steps that most of them take, the first
    attempt's exact test and the squeeze of gamma()'s first fresh attempt (block GAMMA_A), run as
    SIMD loops over the deferred samples; what remains goes through the device functions."""
    fresh = np.empty(count)
    for p in range(count):
        exact = _gamma_exact(shape, n_radius[p], w2[p])
        g_radius[p] = exact if g_radius[p] < 0.0 else g_radius[p]
    for p in range(count):
        b0, b1, b2, b3 = _block(k0, k1, np.uint64(index[p]), stream, GAMMA_A)
        first_normal, _ = _normal_pair(b0, b1)
        fresh[p] = _gamma_squeeze(shape, first_normal, b2)  # gamma()'s first try when its squeeze decides it
    for p in range(count):
        i = np.uint64(index[p])
        if g_radius[p] < 0.0:
            g_radius[p] = fresh[p] if fresh[p] >= 0.0 else _gamma(shape, k0, k1, i, stream, GAMMA_A)
        if u1[p] != u1[p]:
            u1[p] = _l2_finish_u1(d, n_u1[p], w3[p], k0, k1, i, stream)
        a, b = _l2_stats_from(g_radius[p], u1[p])
        r2, z1 = _l2_unscaled(a, b, scale)
        for j in range(radii.size):
            counts[j, placeholder_slots[j]] -= 1
            counts[j, _histogram_bin(_log_ratio_l2(r2, z1, radii[j], k, scale), lows[j], inv_widths[j], nbins)] += 1


@_cpu_jit(parallel=True)
def _reduce_l2(n, offset, shape, d, k, scale, radii, lows, inv_widths, nbins, k0, k1, stream, n_chunks):
    """reduce for the L2 family (and the Gaussian), in passes over BATCH samples, each a loop the
    compiler vectorizes (Philox words; the first attempts' squeezes; X by log_ratio_l2_series and its
    slot). X where the series does not apply is finished within the pass. Samples whose first attempt
    at the Gamma radius or u1 is undecided are finished within the pass too where they are many (over
    1/32 of it); where they are few (0.6% of samples at d = 3072) they go through the pass with
    placeholder statistics and are finished later, PENDING at a time (_finish_pending), which moves
    each count from the placeholder's slot to the sample's own. The numbers are the device stats_l2
    and log_ratio_l2's, which the CUDA kernel runs."""
    m = radii.size
    counts = np.zeros((n_chunks, m, nbins + 2), np.int64)
    chunk = (n + n_chunks - 1) // n_chunks
    # placeholder statistics of a deferred sample: G_radius = 1, u1 = 0; their slot at each radius
    placeholder_a, placeholder_b = _l2_stats_from(1.0, 0.0)
    placeholder_r2, placeholder_z1 = _l2_unscaled(placeholder_a, placeholder_b, scale)
    placeholder_slots = np.empty(m, np.int64)
    for j in range(m):
        placeholder_slots[j] = _histogram_bin(_log_ratio_l2(placeholder_r2, placeholder_z1, radii[j], k, scale),
                                              lows[j], inv_widths[j], nbins)
    for c in prange(n_chunks):
        _prefer_wide_vectors()
        _l2_chunk(c * chunk, min(n, (c + 1) * chunk), offset, shape, d, k, scale, radii, lows, inv_widths, nbins,
                  placeholder_slots, k0, k1, stream, counts[c])
    return counts.sum(axis=0)


@_cpu_jit(inline=True)
def _l2_chunk(start, stop, offset, shape, d, k, scale, radii, lows, inv_widths, nbins, placeholder_slots, k0, k1,
              stream, counts):
    """Count samples start .. stop - 1 (of those from `offset`) into counts, BATCH at a time."""
    m_u1 = 0.5 * (d - 3)
    words = np.empty((4, BATCH), np.uint64)
    g_radius = np.empty(BATCH)
    u1 = np.empty(BATCH)
    n_radius = np.empty(BATCH)
    n_u1 = np.empty(BATCH)
    undecided = np.zeros(BATCH, np.uint8)
    undecided_words = undecided.view(np.uint64)  # eight flags a word (BATCH is a multiple of 8): a fast scan
    r2 = np.empty(BATCH)
    z1 = np.empty(BATCH)
    slots = np.empty(BATCH, np.int64)
    pending = 0
    pending_index = np.empty(PENDING + BATCH, np.int64)
    pending_n_radius, pending_n_u1 = np.empty(PENDING + BATCH), np.empty(PENDING + BATCH)
    pending_w2, pending_w3 = np.empty(PENDING + BATCH, np.uint64), np.empty(PENDING + BATCH, np.uint64)
    pending_g_radius, pending_u1 = np.empty(PENDING + BATCH), np.empty(PENDING + BATCH)
    for first in range(start, stop, BATCH):
        size = min(BATCH, stop - first)
        n_undecided = _l2_first_attempts(first + offset, size, shape, m_u1, k0, k1, stream, words, g_radius, u1,
                                         n_radius, n_u1, undecided)
        if n_undecided * 32 > size:  # many undecided (small d, shape < 1): finished here, one by one
            for q in range(BATCH // 8):
                if undecided_words[q] != 0:
                    for t in range(8 * q, 8 * q + 8):
                        if undecided[t]:
                            index = np.uint64(offset + first + t)
                            if g_radius[t] < 0.0:
                                g_radius[t] = _l2_finish_radius(shape, n_radius[t], words[2, t], k0, k1, index,
                                                                stream)
                            if u1[t] != u1[t]:
                                u1[t] = _l2_finish_u1(d, n_u1[t], words[3, t], k0, k1, index, stream)
        elif n_undecided > 0:  # a few (0.6% of samples at d = 3072): deferred to _finish_pending
            for q in range(BATCH // 8):
                if undecided_words[q] != 0:
                    for t in range(8 * q, 8 * q + 8):
                        if undecided[t]:
                            pending_index[pending] = offset + first + t
                            pending_n_radius[pending], pending_n_u1[pending] = n_radius[t], n_u1[t]
                            pending_w2[pending], pending_w3[pending] = words[2, t], words[3, t]
                            pending_g_radius[pending], pending_u1[pending] = g_radius[t], u1[t]
                            pending += 1
                            g_radius[t], u1[t] = 1.0, 0.0
        _l2_count_batch(size, k, scale, radii, lows, inv_widths, nbins, g_radius, u1, r2, z1, slots, undecided,
                        undecided_words, counts)
        last = first + BATCH >= stop
        if pending >= PENDING or (last and pending > 0):
            _finish_pending(pending, pending_index, pending_n_radius, pending_n_u1, pending_w2, pending_w3,
                            pending_g_radius, pending_u1, shape, d, k, scale, radii, lows, inv_widths, nbins,
                            placeholder_slots, k0, k1, stream, counts)
            pending = 0


@_cpu_jit(inline=True)
def _l2_first_attempts(first, size, shape, m_u1, k0, k1, stream, words, g_radius, u1, n_radius, n_u1, undecided):
    """The first attempts at G_radius and u1 (device l2_draws_from) of samples first .. first + size - 1,
    from their blocks EXTRA; undecided[t] flags sample t where either is undecided (0 beyond size).
    Returns how many are."""
    # the Philox words in a loop of their own: their short dependency chains overlap better there
    # than ahead of the logarithm's
    for t in range(size):
        words[0, t], words[1, t], words[2, t], words[3, t] = _block(k0, k1, np.uint64(first + t), stream, EXTRA)
    n_undecided = 0
    for t in range(size):
        g_radius[t], u1[t], n_radius[t], n_u1[t] = _l2_draws_from(shape, m_u1, words[0, t], words[1, t],
                                                                  words[2, t], words[3, t])
        undecided[t] = (g_radius[t] < 0.0) | (u1[t] != u1[t])
        n_undecided += undecided[t]
    undecided[size:] = 0
    return n_undecided


@_cpu_jit(inline=True)
def _l2_count_batch(size, k, scale, radii, lows, inv_widths, nbins, g_radius, u1, r2, z1, slots, undecided,
                    undecided_words, counts):
    """Count the X of `size` samples with statistics (g_radius, u1) at every radius (the device
    log_ratio's arithmetic: the series where it applies, then the rest); undecided and r2, z1, slots
    are scratch."""
    for t in range(size):  # once for all radii
        a, b = _l2_stats_from(g_radius[t], u1[t])
        r2[t], z1[t] = _l2_unscaled(a, b, scale)
    for j in range(radii.size):
        r, low, inv_width = radii[j], lows[j], inv_widths[j]
        outside = 0
        for t in range(size):  # the device log_ratio_l2: the series where it applies, then the rest
            x = _log_ratio_l2_series(r2[t], z1[t], r, k, scale)
            slots[t] = _histogram_bin(x, low, inv_width, nbins)
            undecided[t] = x != x
            outside += undecided[t]
        if outside * 32 > size:  # many (large r against ||z||): a SIMD pass of the log1p form
            for t in range(size):
                slot = _histogram_bin(_log_ratio_l2_log1p(r2[t], z1[t], r, k, scale), low, inv_width, nbins)
                slots[t] = slot if undecided[t] else slots[t]
        elif outside > 0:
            for q in range(BATCH // 8):
                if undecided_words[q] != 0:
                    for t in range(8 * q, 8 * q + 8):
                        if undecided[t]:
                            slots[t] = _histogram_bin(_log_ratio_l2_log1p(r2[t], z1[t], r, k, scale), low,
                                                      inv_width, nbins)
        for t in range(size):
            counts[j, slots[t]] += 1


@_cpu_jit(parallel=True)
def _reduce_mixed(n, offset, d, k, scale, cdf, log_tau, radii, lows, inv_widths, nbins, k0, k1, stream, n_chunks):
    """reduce for the mixed family: the device stats_mixed arithmetic, a sample at a time on SIMD
    loops over coordinates."""
    m = radii.size
    counts = np.zeros((n_chunks, m, nbins + 2), np.int64)
    chunk = (n + n_chunks - 1) // n_chunks
    for c in prange(n_chunks):
        words = np.empty((4, (d + 1) // 2), np.uint64)
        values = np.empty(d)
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            index = np.uint64(offset + i)
            tau, face_u, sign = _mixed_draw_t(cdf, log_tau, k0, k1, index, stream)
            face = _face_index(face_u, d)
            _block_words(words, k0, k1, index, stream, COORDS)
            _mixed_values(words, values, tau, k0, k1, index, stream)
            top = sign * tau
            values[face] = 0.0  # the face's drawn value is skipped: adding +0.0 leaves a sum unchanged
            total = top
            for j in range(d):  # in coordinate order, as the device function adds
                total += values[j]
            values[face] = top
            m_plus = top
            m_minus = top
            for j in range(d):
                m_plus = max(m_plus, values[j])
                m_minus = min(m_minus, values[j])
            for j in range(m):
                x = _log_ratio(MIXED, tau, m_plus, total, m_minus, radii[j], d, k, scale)
                counts[c, j, _histogram_bin(x, lows[j], inv_widths[j], nbins)] += 1
    return counts.sum(axis=0)


@_cpu_jit(parallel=True)
def _reduce_per_sample(family, n, offset, shape, d, k, scale, cdf, log_tau, radii, lows, inv_widths, nbins, k0, k1,
                       stream, n_chunks):
    """reduce a sample at a time through the device sample_stats and log_ratio (the L1 family)."""
    if family != L1 and family != L2 and family != GAUSSIAN and family != MIXED:
        raise ValueError("unknown kernel family id", family)  # here, not in the parallel loop: numba's rule
    m = radii.size
    counts = np.zeros((n_chunks, m, nbins + 2), np.int64)
    chunk = (n + n_chunks - 1) // n_chunks
    for c in prange(n_chunks):
        start = c * chunk
        stop = min(n, start + chunk)
        for i in range(start, stop):
            a, b, s, t = _sample_stats(family, shape, d, cdf, log_tau, k0, k1, np.uint64(offset + i), stream)
            for j in range(m):
                x = _log_ratio(family, a, b, s, t, radii[j], d, k, scale)
                counts[c, j, _histogram_bin(x, lows[j], inv_widths[j], nbins)] += 1
    return counts.sum(axis=0)


@_cpu_jit(parallel=True)
def _sample_stats_of(family, n, offset, shape, d, cdf, log_tau, k0, k1, stream):
    """sample_stats's kernel."""
    if family != L1 and family != L2 and family != GAUSSIAN and family != MIXED:
        raise ValueError("unknown kernel family id", family)  # here, not in the parallel loop: numba's rule
    out = np.empty((n, 4))
    for i in prange(n):
        a, b, s, t = _sample_stats(family, shape, d, cdf, log_tau, k0, k1, np.uint64(offset + i), stream)
        out[i, 0] = a
        out[i, 1] = b
        out[i, 2] = s
        out[i, 3] = t
    return out


@_cpu_jit(parallel=True)
def _log_ratios_of(family, stats, radii, d, k, scale):
    """log_ratios_of's kernel."""
    if family != L1 and family != L2 and family != GAUSSIAN and family != MIXED:
        raise ValueError("unknown kernel family id", family)  # here, not in the parallel loop: numba's rule
    n = stats.shape[0]
    out = np.empty((radii.size, n))
    for i in prange(n):
        for j in range(radii.size):
            out[j, i] = _log_ratio(family, stats[i, 0], stats[i, 1], stats[i, 2], stats[i, 3], radii[j], d, k, scale)
    return out
