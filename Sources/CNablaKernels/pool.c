// Max pooling's choice of each window's maximum, for float and double.
//
// For every window of an image batch [planes, h, w] (the planes are N·C images), the flat index
// of the window's maximum among its taps inside the image, or −1 when no tap is inside (possible
// only with dilation). The maximum is chosen as PyTorch's max_pool2d chooses it: scanning the
// taps in row-major order from the first inside the image, a tap replaces the maximum so far
// when it is larger or NaN, so the first of equal maxima stays and the last NaN wins.
//
// Written in C because the choice must not branch: on real data "is this tap larger?" is a coin
// toss, and a mispredicted branch costs more than the whole comparison. Swift's optimiser turns
// the selects back into branches; here `__builtin_unpredictable` (clang) asks for conditional
// moves. The common window (2×2, stride 2, no padding or dilation) has a path of its own with
// its four taps unrolled.
#include "NablaKernels.h"

#if defined(__has_builtin)
#if __has_builtin(__builtin_unpredictable)
#define UNPREDICTABLE(condition) __builtin_unpredictable(condition)
#endif
#endif
#ifndef UNPREDICTABLE
#define UNPREDICTABLE(condition) (condition)
#endif

// The k in [0, count) with start + k·step (step ≥ 1) in [0, limit): [*first, *end), empty
// (first == end) when there is none.
static void steps_inside(ptrdiff_t start, ptrdiff_t step, ptrdiff_t count, ptrdiff_t limit, ptrdiff_t *first, ptrdiff_t *end) {
    ptrdiff_t f = start >= 0 ? 0 : (-start + step - 1) / step;
    ptrdiff_t e = limit - start <= 0 ? 0 : (limit - start + step - 1) / step;
    if (f > count) f = count;
    if (e > count) e = count;
    if (e < f) e = f;
    *first = f;
    *end = e;
}

#define DEFINE_POOL_ARGMAX(T, NAME)                                                              \
    void NAME(const T *x, ptrdiff_t planes, ptrdiff_t h, ptrdiff_t w, ptrdiff_t oh, ptrdiff_t ow,  \
              ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t sh, ptrdiff_t sw, ptrdiff_t ph, ptrdiff_t pw, \
              ptrdiff_t dh, ptrdiff_t dw, ptrdiff_t *chosen) {                                 \
        if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && dh == 1 && dw == 1) { \
            for (ptrdiff_t p = 0; p < planes; p++) {                                           \
                for (ptrdiff_t y = 0; y < oh; y++) {                                           \
                    const ptrdiff_t top = p * h * w + 2 * y * w;                               \
                    for (ptrdiff_t xo = 0; xo < ow; xo++) {                                    \
                        const ptrdiff_t corner = top + 2 * xo;                                 \
                        const ptrdiff_t taps[3] = {corner + 1, corner + w, corner + w + 1};   \
                        ptrdiff_t best_index = corner;                                         \
                        T best = x[corner];                                                    \
                        for (int t = 0; t < 3; t++) {                                          \
                            const T v = x[taps[t]];                                            \
                            const int take = (v > best) != (v != v);                           \
                            best = UNPREDICTABLE(take) ? v : best;                             \
                            best_index = UNPREDICTABLE(take) ? taps[t] : best_index;           \
                        }                                                                      \
                        *chosen++ = best_index;                                                \
                    }                                                                          \
                }                                                                              \
            }                                                                                  \
            return;                                                                            \
        }                                                                                      \
        for (ptrdiff_t p = 0; p < planes; p++) {                                               \
            const ptrdiff_t image = p * h * w;                                                 \
            for (ptrdiff_t y = 0; y < oh; y++) {                                               \
                const ptrdiff_t top = y * sh - ph;                                             \
                ptrdiff_t i0, i1;                                                              \
                steps_inside(top, dh, kh, h, &i0, &i1);                                        \
                for (ptrdiff_t xo = 0; xo < ow; xo++) {                                        \
                    const ptrdiff_t left = xo * sw - pw;                                       \
                    ptrdiff_t j0, j1;                                                          \
                    steps_inside(left, dw, kw, w, &j0, &j1);                                   \
                    if (i0 == i1 || j0 == j1) {                                                \
                        *chosen++ = -1;                                                        \
                        continue;                                                              \
                    }                                                                          \
                    ptrdiff_t best_index = image + (top + i0 * dh) * w + left + j0 * dw;       \
                    T best = x[best_index];                                                    \
                    for (ptrdiff_t i = i0; i < i1; i++) {                                      \
                        const ptrdiff_t row = image + (top + i * dh) * w + left;               \
                        for (ptrdiff_t j = j0; j < j1; j++) {                                  \
                            const ptrdiff_t index = row + j * dw;                              \
                            const T v = x[index];                                              \
                            const int take = (v > best) != (v != v);                           \
                            best = UNPREDICTABLE(take) ? v : best;                             \
                            best_index = UNPREDICTABLE(take) ? index : best_index;             \
                        }                                                                      \
                    }                                                                          \
                    *chosen++ = best_index;                                                    \
                }                                                                              \
            }                                                                                  \
        }                                                                                      \
    }

DEFINE_POOL_ARGMAX(float, nabla_spool_argmax)
DEFINE_POOL_ARGMAX(double, nabla_dpool_argmax)
