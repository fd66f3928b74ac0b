"""CPU drivers: the device functions compiled with numba.njit, looped in parallel over samples.

Results never depend on the thread count: every sample's numbers come from its own counter, and
reductions add integer counts.
"""
import numpy as np
from numba import njit, prange

from .device import define

dev = define(njit(cache=False))
fill_l2, fill_l1, fill_linf, fill_mixed = dev["fill_l2"], dev["fill_l1"], dev["fill_linf"], dev["fill_mixed"]
x_l2, x_l1, x_mixed, histogram_bin = dev["x_l2"], dev["x_l1"], dev["x_mixed"], dev["histogram_bin"]
philox = dev["philox"]


@njit(parallel=True)
def fill_radial(out, family, shape, scale, k0, k1, offset):
    """Fill each row i of out (float32, (n, d)) with sample offset + i of an L2 (0), L1 (1) or Linf (2) family."""
    for i in prange(out.shape[0]):
        index = np.uint64(offset + i)
        if family == 0:
            fill_l2(out[i], shape, scale, k0, k1, index)
        elif family == 1:
            fill_l1(out[i], shape, scale, k0, k1, index)
        else:
            fill_linf(out[i], shape, scale, k0, k1, index)


@njit(parallel=True)
def fill_mixed_rows(out, cdf, log_tau, sigma, k0, k1, offset):
    for i in prange(out.shape[0]):
        fill_mixed(out[i], cdf, log_tau, sigma, k0, k1, np.uint64(offset + i))


@njit(parallel=True)
def reduce_radial(family, n, offset, shape, d, k, scale, radii, lows, inv_widths, nbins, k0, k1, stream, n_chunks):
    """Histograms of X at each radius in `radii` over samples offset .. offset+n-1 (one draw of the
    radial statistics per sample, shared by all radii). Returns int64 counts (len(radii), nbins+2)."""
    m = radii.size
    counts = np.zeros((n_chunks, m, nbins + 2), np.int64)
    chunk = (n + n_chunks - 1) // n_chunks
    for c in prange(n_chunks):
        start = c * chunk
        stop = min(n, start + chunk)
        for i in range(start, stop):
            index = np.uint64(offset + i)
            for j in range(m):
                if family == 0:
                    x = x_l2(shape, d, k, scale, radii[j], k0, k1, index, stream)
                else:
                    x = x_l1(shape, d, k, scale, radii[j], k0, k1, index, stream)
                counts[c, j, histogram_bin(x, lows[j], inv_widths[j], nbins)] += 1
    return counts.sum(axis=0)


@njit(parallel=True)
def reduce_mixed(n, offset, cdf, log_tau, d, k, sigma, radii, lows, inv_widths, nbins, k0, k1, stream, n_chunks):
    m = radii.size
    counts = np.zeros((n_chunks, m, nbins + 2), np.int64)
    chunk = (n + n_chunks - 1) // n_chunks
    for c in prange(n_chunks):
        start = c * chunk
        stop = min(n, start + chunk)
        for i in range(start, stop):
            index = np.uint64(offset + i)
            for j in range(m):
                x = x_mixed(cdf, log_tau, d, k, sigma, radii[j], k0, k1, index, stream)
                counts[c, j, histogram_bin(x, lows[j], inv_widths[j], nbins)] += 1
    return counts.sum(axis=0)


