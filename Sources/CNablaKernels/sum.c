// Accurate sums: pairwise (cascade) summation, as NumPy's, for contiguous runs and for rows.
//
// Adding n numbers one at a time, the rounding error of the running sum grows with n: in float,
// 2×10⁷ ones add up to 16,777,216 (2²⁴, where x + 1 rounds back to x). Adding them pairwise, as
// a balanced tree, the error grows with log₂ n instead: |error| ≤ ε·⌈log₂ n⌉·Σ|xᵢ| (ε the unit
// roundoff), and far less on average. NumPy's scheme keeps the speed of a plain loop: runs of at
// most 128 elements are summed with 8 independent accumulators (a vector register), and longer
// runs are split in two and summed recursively. Summing rows (a reduction over an outer axis),
// the same tree is built over the rows: blocks of at most 8 rows are added into one, and blocks
// are combined pairwise. NumPy adds rows one at a time; this does not.
//
// The order of additions depends only on the shapes, never on the CPU or the number of threads,
// so a sum gives the same bits everywhere. The loops are plain C that the compiler vectorises
// (no FMA is involved, so every target rounds the same way).
#include "NablaKernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    // A run of at most this many elements is summed in one pass with 8 accumulators.
    LEAF = 128,
    // A block of at most this many rows is added into one row, a row at a time.
    LEAF_ROWS = 8,
    // Rows are summed in column strips of this many elements, so the partial sums of a strip
    // (one row per level of the tree) stay in the L1 and L2 caches however long the rows are.
    STRIP = 1024,
};

#define DEFINE_SUM(T, NAME)                                                                      \
    /* 8 lanes, read from any float address (unaligned, aliasing the elements). */         \
    typedef T NAME##_lanes __attribute__((vector_size(8 * sizeof(T)), aligned(sizeof(T)), may_alias)); \
                                                                                               \
    /* Σ a[0..<n], pairwise: NumPy's pairwise_sum. */                                          \
    static T NAME##_pairwise(const T *a, ptrdiff_t n) {                                        \
        if (n < 8) {                                                                           \
            T sum = 0;                                                                         \
            for (ptrdiff_t i = 0; i < n; i++) sum += a[i];                                     \
            return sum;                                                                        \
        }                                                                                      \
        if (n <= LEAF) {                                                                       \
            NAME##_lanes r = *(const NAME##_lanes *)a;                                         \
            ptrdiff_t i = 8;                                                                   \
            for (; i + 8 <= n; i += 8) r += *(const NAME##_lanes *)(a + i);                    \
            T sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));         \
            for (; i < n; i++) sum += a[i];                                                    \
            return sum;                                                                        \
        }                                                                                      \
        ptrdiff_t half = n / 2;                                                                \
        half -= half % 8;                                                                      \
        return NAME##_pairwise(a, half) + NAME##_pairwise(a + half, n - half);                 \
    }                                                                                          \
                                                                                               \
    /* dst[0..<width] = Σ over the n rows x[r·stride ..< r·stride + width], pairwise over the  \
       rows; `scratch` holds one row of `width` per level of the tree below this one. */       \
    static void NAME##_rows(const T *x, ptrdiff_t n, ptrdiff_t width, ptrdiff_t stride,         \
                            T *dst, T *scratch) {                                              \
        if (n <= LEAF_ROWS) {                                                                  \
            memcpy(dst, x, (size_t)width * sizeof(T));                                         \
            for (ptrdiff_t r = 1; r < n; r++) {                                                \
                const T *row = x + r * stride;                                                 \
                for (ptrdiff_t i = 0; i < width; i++) dst[i] += row[i];                        \
            }                                                                                  \
            return;                                                                            \
        }                                                                                      \
        ptrdiff_t half = n / 2;                                                                \
        NAME##_rows(x, half, width, stride, dst, scratch);                                     \
        NAME##_rows(x + half * stride, n - half, width, stride, scratch, scratch + width);     \
        for (ptrdiff_t i = 0; i < width; i++) dst[i] += scratch[i];                            \
    }                                                                                          \
                                                                                               \
    void NAME(const T *x, ptrdiff_t outer, ptrdiff_t reduced, ptrdiff_t inner, T *out) {       \
        if (outer <= 0 || inner <= 0) return;                                                  \
        if (reduced <= 0) {                                                                    \
            for (ptrdiff_t k = 0; k < outer * inner; k++) out[k] = 0;                          \
            return;                                                                            \
        }                                                                                      \
        if (inner == 1) {                                                                      \
            for (ptrdiff_t k = 0; k < outer; k++) out[k] = NAME##_pairwise(x + k * reduced, reduced); \
            return;                                                                            \
        }                                                                                      \
        /* Levels of the row tree: halving `reduced` until blocks of LEAF_ROWS. */             \
        ptrdiff_t levels = 1;                                                                  \
        for (ptrdiff_t n = reduced; n > LEAF_ROWS; n -= n / 2) levels++;                       \
        ptrdiff_t width = inner < STRIP ? inner : STRIP;                                       \
        T local[2048];                                                                         \
        T *scratch = levels * width <= 2048 ? local : malloc((size_t)(levels * width) * sizeof(T)); \
        if (!scratch) {                                                                        \
            fputs("Nabla: out of memory for the partial sums of a reduction\n", stderr);        \
            abort();                                                                           \
        }                                                                                      \
        for (ptrdiff_t k = 0; k < outer; k++) {                                                \
            const T *block = x + k * reduced * inner;                                          \
            for (ptrdiff_t i = 0; i < inner; i += STRIP) {                                     \
                ptrdiff_t w = inner - i < STRIP ? inner - i : STRIP;                           \
                NAME##_rows(block + i, reduced, w, inner, out + k * inner + i, scratch);       \
            }                                                                                  \
        }                                                                                      \
        if (scratch != local) free(scratch);                                                   \
    }

DEFINE_SUM(float, nabla_ssum)
DEFINE_SUM(double, nabla_dsum)
