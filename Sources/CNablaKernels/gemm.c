// Blocked matrix multiplication (the BLIS scheme): for each KC-deep slice of k, B is packed into
// NR-wide column strips and A into MR-tall row strips, and a micro-kernel keeps an MR×NR tile of
// C in registers while it streams through both. A pool of threads splits C into blocks of strips.
// An optional epilogue (a bias, an activation) runs on each tile of C as its last k-slice is
// written back, while the tile is in L1.
#include "NablaKernels.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define NABLA_X86 1
#elif defined(__aarch64__)
// Advanced SIMD (NEON) is part of every arm64 CPU (Apple silicon, Graviton, Ampere, Raspberry Pi
// 4 and later), so its kernel needs no run-time check beyond the architecture.
#include <arm_neon.h>
#define NABLA_NEON 1
#endif

// ---- Block sizes -------------------------------------------------------------------------
// MR×NR is the register tile (6×16 floats = 12 AVX registers of accumulators). KC×NR floats of
// packed B (16 KiB) stay in L1, MC×KC of packed A (120 KiB) in L2.
enum { SMR = 6, SNR = 16, SKC = 256, SMC = 120, SNC = 3072 };
enum { DMR = 6, DNR = 8, DKC = 256, DMC = 96, DNC = 2048 };
// With AVX-512, 8×32 floats (16 of the 32 zmm registers of accumulators; per step two loads of
// B and eight broadcasts of A for sixteen fused multiply-adds). KC is the same as AVX2's, so each
// element of C sees the same k-slices and the same order of fused multiply-adds: the two kernels
// give the same bits. KC×NR floats of packed B (32 KiB) fill L1; MC×KC of A (120 KiB) stay in L2.
enum { WMR = 8, WNR = 32, WMC = 120 };

// The most capable kernel the calling thread may use (KERNEL_WIDEST unless a test or a benchmark
// lowers it). Per thread, so a test forcing a kernel never changes what other threads compute.
enum { KERNEL_PORTABLE = 0, KERNEL_SIMD = 1, KERNEL_WIDEST = 2 };
static _Thread_local int kernel_ceiling = KERNEL_WIDEST;
void nabla_kernels_force_portable(int force) { kernel_ceiling = force ? KERNEL_PORTABLE : KERNEL_WIDEST; }
void nabla_kernels_force_avx2(int force) { kernel_ceiling = force ? KERNEL_SIMD : KERNEL_WIDEST; }

// The float kernel that runs on this thread: 2 for AVX-512 (x86-64 CPUs with AVX-512F, checked
// once), 1 for AVX2 with FMA or NEON (every arm64 CPU), 0 for portable C; at most the ceiling.
static int float_kernel_level(void) {
#if defined(NABLA_X86)
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        cached = avx2 && __builtin_cpu_supports("avx512f") ? KERNEL_WIDEST : avx2 ? KERNEL_SIMD : KERNEL_PORTABLE;
    }
    return cached < kernel_ceiling ? cached : kernel_ceiling;
#elif defined(NABLA_NEON)
    return kernel_ceiling < KERNEL_SIMD ? kernel_ceiling : KERNEL_SIMD;
#else
    return KERNEL_PORTABLE;
#endif
}

// Double precision has the AVX2 (or NEON) kernel and the portable one.
static int has_simd_kernel(void) { return float_kernel_level() >= KERNEL_SIMD; }

const char *nabla_sgemm_kernel(void) {
    switch (float_kernel_level()) {
#if defined(NABLA_NEON)
    case KERNEL_SIMD: return "neon";
#else
    case KERNEL_WIDEST: return "avx512f";
    case KERNEL_SIMD: return "avx2-fma";
#endif
    default: return "portable";
    }
}

// ---- Packing (shared by every kernel) ----------------------------------------------------

#define DEFINE_PACKING(NAME, T, MR, NR)                                                            \
    /* A block (mc×kc) into MR-tall strips, each stored k-major: strip[p*MR + i] = A[i][p]. */     \
    /* With `trans`, A is stored transposed (k×m): A[i][p] is a[p*lda + i]. Each loop reads   */   \
    /* its source contiguously and writes within one strip, which stays in L1.                */   \
    static void pack_a_##NAME(int mc, int kc, const T *a, int lda, int trans, T *packed) {           \
        for (int i0 = 0; i0 < mc; i0 += MR) {                                                      \
            int rows = mc - i0 < MR ? mc - i0 : MR;                                                \
            if (trans && rows == MR) {                                                             \
                /* memcpy: the compiler cannot tell that packed and a do not overlap, and copies */ \
                /* element by element otherwise.                                                  */ \
                for (int p = 0; p < kc; p++) memcpy(packed + p * MR, a + (long)p * lda + i0, sizeof(T) * MR); \
            } else if (trans) {                                                                    \
                for (int p = 0; p < kc; p++) {                                                     \
                    for (int i = 0; i < rows; i++) packed[p * MR + i] = a[(long)p * lda + i0 + i]; \
                    for (int i = rows; i < MR; i++) packed[p * MR + i] = 0;                        \
                }                                                                                  \
            } else {                                                                               \
                for (int i = 0; i < rows; i++) {                                                   \
                    const T *row = a + (long)(i0 + i) * lda;                                       \
                    for (int p = 0; p < kc; p++) packed[p * MR + i] = row[p];                      \
                }                                                                                  \
                for (int i = rows; i < MR; i++)                                                    \
                    for (int p = 0; p < kc; p++) packed[p * MR + i] = 0;                           \
            }                                                                                      \
            packed += (long)kc * MR;                                                               \
        }                                                                                          \
    }                                                                                              \
    /* B panel (kc×nc) into NR-wide strips, each stored k-major: strip[p*NR + j] = B[p][j]. */     \
    /* With `trans`, B is stored transposed (n×k): B[p][j] is b[j*ldb + p]. */                  \
    static void pack_b_##NAME(int kc, int nc, const T *b, int ldb, int trans, T *packed) {           \
        for (int j0 = 0; j0 < nc; j0 += NR) {                                                      \
            int cols = nc - j0 < NR ? nc - j0 : NR;                                                \
            if (trans) {                                                                           \
                for (int j = 0; j < cols; j++) {                                                   \
                    const T *column = b + (long)(j0 + j) * ldb;                                    \
                    for (int p = 0; p < kc; p++) packed[p * NR + j] = column[p];                   \
                }                                                                                  \
                for (int j = cols; j < NR; j++)                                                    \
                    for (int p = 0; p < kc; p++) packed[p * NR + j] = 0;                           \
            } else if (cols == NR) {                                                               \
                for (int p = 0; p < kc; p++) memcpy(packed + p * NR, b + (long)p * ldb + j0, sizeof(T) * NR); \
            } else {                                                                               \
                for (int p = 0; p < kc; p++) {                                                     \
                    const T *row = b + (long)p * ldb + j0;                                         \
                    for (int j = 0; j < cols; j++) packed[p * NR + j] = row[j];                    \
                    for (int j = cols; j < NR; j++) packed[p * NR + j] = 0;                        \
                }                                                                                  \
            }                                                                                      \
            packed += (long)kc * NR;                                                               \
        }                                                                                          \
    }

DEFINE_PACKING(float, float, SMR, SNR)
DEFINE_PACKING(double, double, DMR, DNR)
#if defined(NABLA_X86)
DEFINE_PACKING(float_avx512_edges, float, WMR, WNR)

// The AVX-512 kernel's panels, where packing is a transpose (A stored row-major, whose 8-tall
// strips are written k-major; B stored transposed, whose 32-wide strips are written k-major) done
// 8×8 floats at a time in registers instead of element by element. Edges (rows or columns left
// over, k not a multiple of 8) and the plain copies go through the generic packing above. Pure
// data movement: the panels hold the same values either way.
__attribute__((target("avx2")))
static inline void transpose_8x8(const float *source, long source_stride, float *target, long target_stride) {
    __m256 r0 = _mm256_loadu_ps(source), r1 = _mm256_loadu_ps(source + source_stride);
    __m256 r2 = _mm256_loadu_ps(source + 2 * source_stride), r3 = _mm256_loadu_ps(source + 3 * source_stride);
    __m256 r4 = _mm256_loadu_ps(source + 4 * source_stride), r5 = _mm256_loadu_ps(source + 5 * source_stride);
    __m256 r6 = _mm256_loadu_ps(source + 6 * source_stride), r7 = _mm256_loadu_ps(source + 7 * source_stride);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0)), u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0)), u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0)), u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0)), u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    _mm256_storeu_ps(target, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(target + target_stride, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(target + 2 * target_stride, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(target + 3 * target_stride, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(target + 4 * target_stride, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(target + 5 * target_stride, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(target + 6 * target_stride, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(target + 7 * target_stride, _mm256_permute2f128_ps(u3, u7, 0x31));
}

__attribute__((target("avx512f")))
static void pack_a_float_avx512(int mc, int kc, const float *a, int lda, int trans, float *packed) {
    if (trans) {   // each k's 8 rows are contiguous already: copies
        pack_a_float_avx512_edges(mc, kc, a, lda, trans, packed);
        return;
    }
    int full = mc / WMR * WMR;
    for (int i0 = 0; i0 < full; i0 += WMR) {
        const float *rows = a + (long)i0 * lda;
        int p = 0;
        for (; p + 8 <= kc; p += 8) transpose_8x8(rows + p, lda, packed + (long)p * WMR, WMR);
        for (; p < kc; p++)
            for (int i = 0; i < WMR; i++) packed[(long)p * WMR + i] = rows[(long)i * lda + p];
        packed += (long)kc * WMR;
    }
    if (full < mc) pack_a_float_avx512_edges(mc - full, kc, a + (long)full * lda, lda, 0, packed);
}

__attribute__((target("avx512f")))
static void pack_b_float_avx512(int kc, int nc, const float *b, int ldb, int trans, float *packed) {
    if (!trans) {   // each k's 32 columns are contiguous already: copies
        pack_b_float_avx512_edges(kc, nc, b, ldb, trans, packed);
        return;
    }
    int full = nc / WNR * WNR;
    for (int j0 = 0; j0 < full; j0 += WNR) {
        for (int j = 0; j < WNR; j += 8) {
            const float *columns = b + (long)(j0 + j) * ldb;
            int p = 0;
            for (; p + 8 <= kc; p += 8) transpose_8x8(columns + p, ldb, packed + (long)p * WNR + j, WNR);
            for (; p < kc; p++)
                for (int q = 0; q < 8; q++) packed[(long)p * WNR + j + q] = columns[(long)q * ldb + p];
        }
        packed += (long)kc * WNR;
    }
    if (full < nc) pack_b_float_avx512_edges(kc, nc - full, b + (long)full * ldb, ldb, 1, packed);
}
#endif

// ---- Micro-kernels ------------------------------------------------------------------------
// Each computes an MR×NR tile: tile = Ap·Bp over kc, then C (m×n valid part) = tile, or C +=
// tile when `accumulate`.

#define DEFINE_PORTABLE_KERNEL(T, MR, NR)                                                          \
    static void kernel_portable_##T(int kc, const T *ap, const T *bp, T *c, int ldc, int m, int n, \
                                    int accumulate) {                                              \
        T tile[MR][NR];                                                                            \
        memset(tile, 0, sizeof tile);                                                              \
        for (int p = 0; p < kc; p++) {                                                             \
            for (int i = 0; i < MR; i++) {                                                         \
                T av = ap[i];                                                                      \
                for (int j = 0; j < NR; j++) tile[i][j] += av * bp[j];                             \
            }                                                                                      \
            ap += MR;                                                                              \
            bp += NR;                                                                              \
        }                                                                                          \
        for (int i = 0; i < m; i++)                                                                \
            for (int j = 0; j < n; j++)                                                            \
                c[(long)i * ldc + j] = accumulate ? c[(long)i * ldc + j] + tile[i][j] : tile[i][j]; \
    }

DEFINE_PORTABLE_KERNEL(float, SMR, SNR)
DEFINE_PORTABLE_KERNEL(double, DMR, DNR)

#ifdef NABLA_X86
__attribute__((target("avx2,fma")))
static void kernel_avx2_float(int kc, const float *ap, const float *bp, float *c, int ldc, int m, int n,
                              int accumulate) {
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    for (int p = 0; p < kc; p++) {
        __m256 b0 = _mm256_load_ps(bp), b1 = _mm256_load_ps(bp + 8);
        __m256 a;
        a = _mm256_broadcast_ss(ap + 0); c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01);
        a = _mm256_broadcast_ss(ap + 1); c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11);
        a = _mm256_broadcast_ss(ap + 2); c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21);
        a = _mm256_broadcast_ss(ap + 3); c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31);
        a = _mm256_broadcast_ss(ap + 4); c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41);
        a = _mm256_broadcast_ss(ap + 5); c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51);
        ap += SMR;
        bp += SNR;
    }
    __m256 rows[SMR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    if (m == SMR && n == SNR) {
        for (int i = 0; i < SMR; i++) {
            float *row = c + (long)i * ldc;
            if (accumulate) {
                rows[i][0] = _mm256_add_ps(rows[i][0], _mm256_loadu_ps(row));
                rows[i][1] = _mm256_add_ps(rows[i][1], _mm256_loadu_ps(row + 8));
            }
            _mm256_storeu_ps(row, rows[i][0]);
            _mm256_storeu_ps(row + 8, rows[i][1]);
        }
        return;
    }
    float tile[SMR][SNR] __attribute__((aligned(32)));
    for (int i = 0; i < SMR; i++) {
        _mm256_store_ps(tile[i], rows[i][0]);
        _mm256_store_ps(tile[i] + 8, rows[i][1]);
    }
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
            c[(long)i * ldc + j] = accumulate ? c[(long)i * ldc + j] + tile[i][j] : tile[i][j];
}

__attribute__((target("avx2,fma")))
static void kernel_avx2_double(int kc, const double *ap, const double *bp, double *c, int ldc, int m, int n,
                               int accumulate) {
    __m256d acc[DMR][2];
    for (int i = 0; i < DMR; i++) acc[i][0] = acc[i][1] = _mm256_setzero_pd();
    for (int p = 0; p < kc; p++) {
        __m256d b0 = _mm256_load_pd(bp), b1 = _mm256_load_pd(bp + 4);
        for (int i = 0; i < DMR; i++) {
            __m256d a = _mm256_broadcast_sd(ap + i);
            acc[i][0] = _mm256_fmadd_pd(a, b0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_pd(a, b1, acc[i][1]);
        }
        ap += DMR;
        bp += DNR;
    }
    double tile[DMR][DNR] __attribute__((aligned(32)));
    for (int i = 0; i < DMR; i++) {
        _mm256_store_pd(tile[i], acc[i][0]);
        _mm256_store_pd(tile[i] + 4, acc[i][1]);
    }
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
            c[(long)i * ldc + j] = accumulate ? c[(long)i * ldc + j] + tile[i][j] : tile[i][j];
}

// 8×32 floats in 16 zmm registers. Edge tiles (fewer rows or columns) load and store C under a
// mask; the packed panels are zero-padded, so the k loop is the same for every tile.
#define AVX512_ROW(i)                                                                              \
    do {                                                                                           \
        __m512 a = _mm512_set1_ps(ap[i]);                                                          \
        acc[i][0] = _mm512_fmadd_ps(a, b0, acc[i][0]);                                             \
        acc[i][1] = _mm512_fmadd_ps(a, b1, acc[i][1]);                                             \
    } while (0)

__attribute__((target("avx512f")))
static inline void tile_avx512_float(int kc, const float *ap, const float *bp, long bstride, float *c, int ldc, int m,
                                     int n, int accumulate) {
    __m512 acc[WMR][2];
    for (int i = 0; i < WMR; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    for (int p = 0; p < kc; p++) {
        __m512 b0 = _mm512_loadu_ps(bp), b1 = _mm512_loadu_ps(bp + 16);   // B may be unpacked: unaligned
        AVX512_ROW(0); AVX512_ROW(1); AVX512_ROW(2); AVX512_ROW(3);
        AVX512_ROW(4); AVX512_ROW(5); AVX512_ROW(6); AVX512_ROW(7);
        ap += WMR;
        bp += bstride;
    }
    __mmask16 left = n >= 16 ? 0xFFFF : (__mmask16)((1u << n) - 1);
    __mmask16 right = n >= 32 ? 0xFFFF : n <= 16 ? 0 : (__mmask16)((1u << (n - 16)) - 1);
    for (int i = 0; i < m; i++) {
        float *row = c + (long)i * ldc;
        if (accumulate) {
            acc[i][0] = _mm512_add_ps(acc[i][0], _mm512_maskz_loadu_ps(left, row));
            acc[i][1] = _mm512_add_ps(acc[i][1], _mm512_maskz_loadu_ps(right, row + 16));
        }
        _mm512_mask_storeu_ps(row, left, acc[i][0]);
        _mm512_mask_storeu_ps(row + 16, right, acc[i][1]);
    }
}
#undef AVX512_ROW

// Over a packed panel of B (its strips k-major, 32 wide).
__attribute__((target("avx512f")))
static void kernel_avx512_float(int kc, const float *ap, const float *bp, float *c, int ldc, int m, int n,
                                int accumulate) {
    tile_avx512_float(kc, ap, bp, WNR, c, ldc, m, n, accumulate);
}

// Over B as it is stored (row-major, k rows `ldb` apart), for 32 columns: no packing.
__attribute__((target("avx512f")))
static void kernel_avx512_float_direct(int kc, const float *ap, const float *b, int ldb, float *c, int ldc, int m,
                                       int accumulate) {
    tile_avx512_float(kc, ap, b, ldb, c, ldc, m, WNR, accumulate);
}
#endif

#ifdef NABLA_NEON
// The 6×16 float tile in 24 of NEON's 32 128-bit registers: each step loads four vectors of B's
// strip and six elements of A's, and multiplies B by each element of A as a lane (fmla by element).
#define NEON_FLOAT_ROW(i, a, lane)                                                                 \
    acc[i][0] = vfmaq_laneq_f32(acc[i][0], b0, a, lane);                                           \
    acc[i][1] = vfmaq_laneq_f32(acc[i][1], b1, a, lane);                                           \
    acc[i][2] = vfmaq_laneq_f32(acc[i][2], b2, a, lane);                                           \
    acc[i][3] = vfmaq_laneq_f32(acc[i][3], b3, a, lane);
static void kernel_neon_float(int kc, const float *ap, const float *bp, float *c, int ldc, int m, int n,
                              int accumulate) {
    float32x4_t acc[SMR][4];
    for (int i = 0; i < SMR; i++)
        for (int j = 0; j < 4; j++) acc[i][j] = vdupq_n_f32(0);
    for (int p = 0; p < kc; p++) {
        float32x4_t b0 = vld1q_f32(bp), b1 = vld1q_f32(bp + 4), b2 = vld1q_f32(bp + 8), b3 = vld1q_f32(bp + 12);
        // ap[0..3] and ap[2..5]: two overlapping loads give lanes for all six rows.
        float32x4_t a0 = vld1q_f32(ap), a1 = vld1q_f32(ap + 2);
        NEON_FLOAT_ROW(0, a0, 0) NEON_FLOAT_ROW(1, a0, 1) NEON_FLOAT_ROW(2, a0, 2)
        NEON_FLOAT_ROW(3, a0, 3) NEON_FLOAT_ROW(4, a1, 2) NEON_FLOAT_ROW(5, a1, 3)
        ap += SMR;
        bp += SNR;
    }
    if (m == SMR && n == SNR) {
        for (int i = 0; i < SMR; i++) {
            float *row = c + (long)i * ldc;
            for (int j = 0; j < 4; j++) {
                float32x4_t v = accumulate ? vaddq_f32(acc[i][j], vld1q_f32(row + 4 * j)) : acc[i][j];
                vst1q_f32(row + 4 * j, v);
            }
        }
        return;
    }
    float tile[SMR][SNR];
    for (int i = 0; i < SMR; i++)
        for (int j = 0; j < 4; j++) vst1q_f32(tile[i] + 4 * j, acc[i][j]);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
            c[(long)i * ldc + j] = accumulate ? c[(long)i * ldc + j] + tile[i][j] : tile[i][j];
}

// The 6×8 double tile: 24 accumulators of two doubles, four vectors of B, three of A.
#define NEON_DOUBLE_ROW(i, a, lane)                                                                \
    acc[i][0] = vfmaq_laneq_f64(acc[i][0], b0, a, lane);                                           \
    acc[i][1] = vfmaq_laneq_f64(acc[i][1], b1, a, lane);                                           \
    acc[i][2] = vfmaq_laneq_f64(acc[i][2], b2, a, lane);                                           \
    acc[i][3] = vfmaq_laneq_f64(acc[i][3], b3, a, lane);
static void kernel_neon_double(int kc, const double *ap, const double *bp, double *c, int ldc, int m, int n,
                               int accumulate) {
    float64x2_t acc[DMR][4];
    for (int i = 0; i < DMR; i++)
        for (int j = 0; j < 4; j++) acc[i][j] = vdupq_n_f64(0);
    for (int p = 0; p < kc; p++) {
        float64x2_t b0 = vld1q_f64(bp), b1 = vld1q_f64(bp + 2), b2 = vld1q_f64(bp + 4), b3 = vld1q_f64(bp + 6);
        float64x2_t a0 = vld1q_f64(ap), a1 = vld1q_f64(ap + 2), a2 = vld1q_f64(ap + 4);
        NEON_DOUBLE_ROW(0, a0, 0) NEON_DOUBLE_ROW(1, a0, 1) NEON_DOUBLE_ROW(2, a1, 0)
        NEON_DOUBLE_ROW(3, a1, 1) NEON_DOUBLE_ROW(4, a2, 0) NEON_DOUBLE_ROW(5, a2, 1)
        ap += DMR;
        bp += DNR;
    }
    double tile[DMR][DNR];
    for (int i = 0; i < DMR; i++)
        for (int j = 0; j < 4; j++) vst1q_f64(tile[i] + 2 * j, acc[i][j]);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
            c[(long)i * ldc + j] = accumulate ? c[(long)i * ldc + j] + tile[i][j] : tile[i][j];
}
#endif

// ---- The blocked loops ----------------------------------------------------------------------

// The packed panels live in two buffers per thread, kept between calls and grown when a larger
// product needs more (at most about 3 MiB for B and 120 KiB for A). Allocating them per call
// made the allocator hand pages back and fault them in again on every product (a quarter of the
// dynamic MLP step's time went to page faults).
typedef struct {
    void *panel[2];
    size_t capacity[2];
} packing_buffers;

static pthread_key_t packing_key;
static pthread_once_t packing_key_once = PTHREAD_ONCE_INIT;

static void free_packing_buffers(void *buffers) {
    packing_buffers *own = buffers;
    free(own->panel[0]);
    free(own->panel[1]);
    free(own);
}

static void make_packing_key(void) { pthread_key_create(&packing_key, free_packing_buffers); }

// Freed when the thread exits.
static void *packing_buffer(int which, size_t bytes) {
    pthread_once(&packing_key_once, make_packing_key);
    packing_buffers *own = pthread_getspecific(packing_key);
    if (!own) {
        own = calloc(1, sizeof *own);
        if (!own) abort();
        pthread_setspecific(packing_key, own);
    }
    if (own->capacity[which] < bytes) {
        free(own->panel[which]);
        size_t capacity = (bytes + 4095) / 4096 * 4096;
        own->panel[which] = aligned_alloc(64, capacity);
        if (!own->panel[which]) abort();
        own->capacity[which] = capacity;
    }
    return own->panel[which];
}

// C ± s·tile, the sum an optimiser's update of a weight is (nabla_sgemm_update): the product
// scaled first (when `scaled`), then added or subtracted, in two roundings, as the separate
// operations round. Contraction into a fused multiply-add would round once: it is switched off.
typedef struct {
    double scale;
    int scaled, subtracting;
} update_spec;

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif
#define DEFINE_UPDATE(NAME, T, ATTRIBUTES)                                                         \
    ATTRIBUTES static void update_##NAME(T *c, int ldc, const T *tile, int ldt, int rows, int columns, const update_spec *u) { \
        T s = (T)u->scale;                                                                         \
        for (int i = 0; i < rows; i++) {                                                           \
            T *row = c + (long)i * ldc;                                                            \
            const T *t = tile + (long)i * ldt;                                                     \
            if (u->scaled && u->subtracting)                                                       \
                for (int j = 0; j < columns; j++) { T p = s * t[j]; row[j] = row[j] - p; }         \
            else if (u->scaled)                                                                    \
                for (int j = 0; j < columns; j++) { T p = s * t[j]; row[j] = row[j] + p; }         \
            else if (u->subtracting)                                                               \
                for (int j = 0; j < columns; j++) row[j] = row[j] - t[j];                          \
            else                                                                                   \
                for (int j = 0; j < columns; j++) row[j] = row[j] + t[j];                          \
        }                                                                                          \
    }
DEFINE_UPDATE(float, float, )
DEFINE_UPDATE(double, double, )
#if defined(NABLA_X86)
// The same loops in zmm registers, for the AVX-512 kernel's products.
DEFINE_UPDATE(float_avx512, float, __attribute__((target("avx512f"))))
#endif
#if defined(__clang__)
#pragma STDC FP_CONTRACT ON
#elif defined(__GNUC__)
#pragma GCC pop_options
#endif

// Asks for the cache lines of a tile of C (`rows` rows of `bytes`, `ldc` elements apart) ahead of
// its use.
static inline void prefetch_tile(const void *c, long row_bytes, int rows, int bytes) {
    for (int i = 0; i < rows; i++) {
        const char *row = (const char *)c + i * row_bytes;
        for (int offset = 0; offset < bytes; offset += 64) __builtin_prefetch(row + offset, 1, 3);
        __builtin_prefetch(row + bytes - 1, 1, 3);
    }
}

/* The epilogue, when given, runs on each MR×NR tile right after its last k-slice is written */ \
/* back (the tile is then final and still in L1); row0 and col0 place C within the whole   */     \
/* product, so that a thread's part of C passes its tiles' true positions.                  */     \
#define DEFINE_GEMM_SINGLE(NAME, T, PACK, MR, NR, KC, MC, NC, KERNEL_OF_LEVEL, READS_B_DIRECTLY, DIRECT_KERNEL) \
    static void gemm_single_##NAME(int m, int n, int k, const T *a, int lda, int ta, const T *b,   \
                                   int ldb, int tb, T *c, int ldc, nabla_##T##_epilogue epilogue,  \
                                   void *context, int row0, int col0, int level, const update_spec *update) { \
        typedef void (*kernel_t)(int, const T *, const T *, T *, int, int, int, int);              \
        kernel_t kernel = KERNEL_OF_LEVEL(level);                                                  \
        /* With `update`, each tile is computed into `scratch` and combined with C from there    */ \
        /* (C ± s·tile); C holds no partial sums, so k is one slice.                              */ \
        _Alignas(64) T scratch[MR * NR];                                                           \
        if (k == 0) {                                                                              \
            if (update) {   /* C ± s·0, rounded as ever (−0 + 0 is +0; s·0 is NaN for s = ∞) */  \
                memset(scratch, 0, sizeof scratch);                                                \
                for (int i = 0; i < m; i += MR)                                                    \
                    for (int j = 0; j < n; j += NR)                                                \
                        update_##NAME(c + (long)i * ldc + j, ldc, scratch, NR, m - i < MR ? m - i : MR, n - j < NR ? n - j : NR, update); \
                return;                                                                            \
            }                                                                                      \
            for (int i = 0; i < m; i++) memset(c + (long)i * ldc, 0, sizeof(T) * n);               \
            if (epilogue) epilogue(context, c, ldc, m, n, row0, col0);                             \
            return;                                                                                \
        }                                                                                          \
        /* k in equal slices of at most KC (784 = 4 × 196, not 3 × 256 + 16). */                 \
        int kslices = update ? 1 : (k + KC - 1) / KC, kstep = (k + kslices - 1) / kslices;        \
        int ncap = n < NC ? n : NC, mcap = m < MC ? m : MC, kcap = kstep;                          \
        T *bp = packing_buffer(0, sizeof(T) * ((ncap + NR - 1) / NR * NR) * kcap);                 \
        T *ap = packing_buffer(1, sizeof(T) * ((mcap + MR - 1) / MR * MR) * kcap);                 \
        for (int jc = 0; jc < n; jc += NC) {                                                       \
            int nc = n - jc < NC ? n - jc : NC;                                                    \
            for (int pc = 0; pc < k; pc += kstep) {                                                \
                int kc = k - pc < kstep ? k - pc : kstep;                                          \
                nabla_##T##_epilogue finish = pc + kc == k ? epilogue : NULL;                      \
                /* B's full strips read where they are stored, when the kernel can: only a last */ \
                /* partial strip is packed (where it would be in the panel).                  */ \
                int direct = READS_B_DIRECTLY(tb, m), packed_from = direct ? nc / NR * NR : 0;      \
                if (packed_from < nc)                                                              \
                    pack_b_##PACK(kc, nc - packed_from, tb ? b + (long)(jc + packed_from) * ldb + pc \
                                  : b + (long)pc * ldb + jc + packed_from, ldb, tb, bp + (long)packed_from * kc); \
                for (int ic = 0; ic < m; ic += MC) {                                               \
                    int mc = m - ic < MC ? m - ic : MC;                                            \
                    pack_a_##PACK(mc, kc, ta ? a + (long)pc * lda + ic : a + (long)ic * lda + pc, lda, ta, ap); \
                    for (int jr = 0; jr < nc; jr += NR) {                                          \
                        int nr = nc - jr < NR ? nc - jr : NR;                                      \
                        for (int ir = 0; ir < mc; ir += MR) {                                      \
                            int mr = mc - ir < MR ? mc - ir : MR;                                  \
                            T *target = c + (long)(ic + ir) * ldc + jc + jr;                       \
                            T *tile = update ? scratch : target;                                   \
                            int ldt = update ? NR : ldc;                                           \
                            /* C's tile is read after the product: fetched while it is computed. */ \
                            if (update) prefetch_tile(target, (long)sizeof(T) * ldc, mr, (int)sizeof(T) * nr);       \
                            if (jr < packed_from)                                                  \
                                DIRECT_KERNEL(kc, ap + (long)ir * kc, b + (long)pc * ldb + jc + jr, ldb, tile, ldt, mr, pc > 0); \
                            else                                                                   \
                                kernel(kc, ap + (long)ir * kc, bp + (long)jr * kc, tile, ldt, mr, nr, pc > 0); \
                            if (update) update_##NAME(target, ldc, scratch, NR, mr, nr, update);      \
                            else if (finish) finish(context, tile, ldt, mr, nr, row0 + ic + ir, col0 + jc + jr); \
                        }                                                                          \
                    }                                                                              \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }

// The kernel for the 6×16 (float) and 6×8 (double) panels at a level: portable C, or the SIMD
// kernel of this architecture. Only the AVX-512 kernel reads B unpacked.
#define NEVER_DIRECT(tb, m) ((void)(tb), (void)(m), 0)
#define NO_DIRECT_KERNEL(kc, ap, b, ldb, c, ldc, m, accumulate) ((void)0)
#if defined(NABLA_X86)
#define FLOAT_KERNEL(level) ((level) >= KERNEL_SIMD ? kernel_avx2_float : kernel_portable_float)
#define DOUBLE_KERNEL(level) ((level) >= KERNEL_SIMD ? kernel_avx2_double : kernel_portable_double)
#define AVX512_FLOAT_KERNEL(level) ((void)(level), kernel_avx512_float)
// Products with few rows of C use each strip of B for few tiles, so packing B costs about as
// much as reading it: the AVX-512 kernel then reads a row-major B where it is stored.
#define AVX512_READS_B_DIRECTLY(tb, m) (!(tb) && (m) <= 128)
#elif defined(NABLA_NEON)
#define FLOAT_KERNEL(level) ((level) >= KERNEL_SIMD ? kernel_neon_float : kernel_portable_float)
#define DOUBLE_KERNEL(level) ((level) >= KERNEL_SIMD ? kernel_neon_double : kernel_portable_double)
#else
#define FLOAT_KERNEL(level) kernel_portable_float
#define DOUBLE_KERNEL(level) kernel_portable_double
#endif
DEFINE_GEMM_SINGLE(float, float, float, SMR, SNR, SKC, SMC, SNC, FLOAT_KERNEL, NEVER_DIRECT, NO_DIRECT_KERNEL)
DEFINE_GEMM_SINGLE(double, double, double, DMR, DNR, DKC, DMC, DNC, DOUBLE_KERNEL, NEVER_DIRECT, NO_DIRECT_KERNEL)
#if defined(NABLA_X86)
DEFINE_GEMM_SINGLE(float_avx512, float, float_avx512, WMR, WNR, SKC, WMC, SNC, AVX512_FLOAT_KERNEL,
                   AVX512_READS_B_DIRECTLY, kernel_avx512_float_direct)
#endif

// ---- A pool of threads -------------------------------------------------------------------
// Up to MAX_PARTS threads compute one product: the caller and workers started on first use (as
// many as the largest split so far needed), each taking a block of whole NR-wide column strips of
// C, or of MR-tall row strips where C has too few columns. Every element of C is computed by one
// thread with the same order of additions as on one thread, so the product does not depend on
// the thread count. Workers spin briefly on their job flag before sleeping, so back-to-back
// products do not pay a wake-up each. A part is claimed before it runs, by its worker or, once the
// caller has finished its own part, by the caller: a worker still asleep (or descheduled on a
// busy machine) delays nothing, and a split product is never much slower than one thread. One
// product at a time uses the pool; a product started while another holds it runs on its caller's
// thread alone.

enum { MAX_PARTS = 64, MIN_FLOPS_PER_PART = 2000000 };

typedef struct {
    int is_double, m, n, k, lda, ldb, ldc, ta, tb;
    const void *a, *b;
    void *c;
    // The epilogue (a nabla_float_epilogue or nabla_double_epilogue, or NULL), its context, and
    // where this job's C starts within the whole product.
    void (*epilogue)(void);
    void *context;
    int row0, col0;
    // The kernel's level, chosen on the calling thread (the choice is per thread) and carried to
    // the workers, so that every part of one product runs the same kernel.
    int level;
    // For nabla_sgemm_update: how each tile is combined with C (NULL: C is the product).
    const update_spec *update;
} gemm_job;

typedef struct {
    _Alignas(64) atomic_int ready;   // set by the caller when the slot has a new part
    atomic_int claimed;              // 0 while the part waits; whoever sets it to 1 runs it
    atomic_int done;                 // set once the part has run (by whoever claimed it)
    gemm_job job;
} worker_slot;

static worker_slot slots[MAX_PARTS];        // slot 0 is the caller's; workers 1…
static int workers_started = 0;             // guarded by pool_lock
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t caller_lock = PTHREAD_MUTEX_INITIALIZER;

static inline void spin_pause(void) {
#if defined(NABLA_X86)
    _mm_pause();
#elif defined(NABLA_NEON)
    __asm__ __volatile__("yield");
#endif
}

static void run_job(const gemm_job *job) {
    if (job->is_double) {
        gemm_single_double(job->m, job->n, job->k, job->a, job->lda, job->ta, job->b, job->ldb, job->tb, job->c, job->ldc,
                           (nabla_double_epilogue)job->epilogue, job->context, job->row0, job->col0, job->level, job->update);
        return;
    }
#if defined(NABLA_X86)
    if (job->level == KERNEL_WIDEST) {
        gemm_single_float_avx512(job->m, job->n, job->k, job->a, job->lda, job->ta, job->b, job->ldb, job->tb, job->c,
                                 job->ldc, (nabla_float_epilogue)job->epilogue, job->context, job->row0, job->col0,
                                 job->level, job->update);
        return;
    }
#endif
    gemm_single_float(job->m, job->n, job->k, job->a, job->lda, job->ta, job->b, job->ldb, job->tb, job->c, job->ldc,
                      (nabla_float_epilogue)job->epilogue, job->context, job->row0, job->col0, job->level, job->update);
}

static void *worker_main(void *argument) {
    worker_slot *slot = argument;
    for (;;) {
        for (int spin = 0; spin < 2000 && !atomic_load_explicit(&slot->ready, memory_order_acquire); spin++) spin_pause();
        pthread_mutex_lock(&pool_lock);
        while (!atomic_load_explicit(&slot->ready, memory_order_acquire)) pthread_cond_wait(&pool_wake, &pool_lock);
        pthread_mutex_unlock(&pool_lock);
        // Taken with an exchange, which reads the caller's latest store: a part set up after the
        // one this wake-up was for is then either seen below or left flagged for the next loop.
        atomic_exchange_explicit(&slot->ready, 0, memory_order_acq_rel);
        // The caller may have run the part itself already (claimed stays 1 until it writes the
        // slot's next part and sets it to 0, after the job: reading 0 here sees that job).
        if (atomic_exchange_explicit(&slot->claimed, 1, memory_order_acq_rel) != 0) continue;
        gemm_job job = slot->job;
        run_job(&job);
        atomic_store_explicit(&slot->done, 1, memory_order_release);
    }
    return NULL;
}

// Starts workers until `count` run (called with caller_lock held); returns how many run.
static int ensure_workers(int count) {
    pthread_mutex_lock(&pool_lock);
    while (workers_started < count) {
        pthread_t thread;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&thread, &attr, worker_main, &slots[workers_started + 1]);
        pthread_attr_destroy(&attr);
        if (failed) break;
        workers_started++;
    }
    int started = workers_started;
    pthread_mutex_unlock(&pool_lock);
    return started;
}

// The part `index` of `parts` of `job`: a block of whole strips of C's columns (or rows).
static gemm_job part_of(gemm_job job, int index, int parts, int by_columns, int strip) {
    int extent = by_columns ? job.n : job.m;
    int strips = (extent + strip - 1) / strip;
    int first = (int)((long)strips * index / parts) * strip, last = (int)((long)strips * (index + 1) / parts) * strip;
    if (last > extent) last = extent;
    size_t size = job.is_double ? sizeof(double) : sizeof(float);
    gemm_job part = job;
    if (by_columns) {
        part.n = last - first;
        // Further along B's rows, or further down when B is stored transposed (n×k).
        part.b = (const char *)job.b + size * (job.tb ? (long)first * job.ldb : first);
        part.c = (char *)job.c + size * first;
        part.col0 = job.col0 + first;
    } else {
        part.m = last - first;
        // Further down A, or further along its rows when A is stored transposed (k×m).
        part.a = (const char *)job.a + size * (job.ta ? first : (long)first * job.lda);
        part.c = (char *)job.c + size * (long)first * job.ldc;
        part.row0 = job.row0 + first;
    }
    return part;
}

static void gemm(gemm_job job, int threads, int mr, int nr) {
    long flops = 2L * job.m * job.n * job.k;
    int column_strips = (job.n + nr - 1) / nr, row_strips = (job.m + mr - 1) / mr;
    int by_columns = column_strips >= row_strips || column_strips >= threads;
    int parts = threads < MAX_PARTS ? threads : MAX_PARTS;
    int strips = by_columns ? column_strips : row_strips;
    if (parts > strips) parts = strips;
    if (parts > flops / MIN_FLOPS_PER_PART) parts = (int)(flops / MIN_FLOPS_PER_PART);
    if (parts < 2 || pthread_mutex_trylock(&caller_lock) != 0) {
        run_job(&job);
        return;
    }
    int workers = ensure_workers(parts - 1);
    if (parts > workers + 1) parts = workers + 1;
    for (int w = 1; w < parts; w++) {
        slots[w].job = part_of(job, w, parts, by_columns, by_columns ? nr : mr);
        atomic_store_explicit(&slots[w].done, 0, memory_order_relaxed);
        atomic_store_explicit(&slots[w].claimed, 0, memory_order_release);
    }
    pthread_mutex_lock(&pool_lock);
    for (int w = 1; w < parts; w++) atomic_store_explicit(&slots[w].ready, 1, memory_order_release);
    pthread_cond_broadcast(&pool_wake);
    pthread_mutex_unlock(&pool_lock);
    gemm_job own = part_of(job, 0, parts, by_columns, by_columns ? nr : mr);
    run_job(&own);
    // Parts no worker has started yet: run them here rather than wait for a wake-up.
    for (int w = 1; w < parts; w++)
        if (atomic_exchange_explicit(&slots[w].claimed, 1, memory_order_acq_rel) == 0) {
            run_job(&slots[w].job);
            atomic_store_explicit(&slots[w].done, 1, memory_order_relaxed);
        }
    for (int w = 1; w < parts; w++)
        while (!atomic_load_explicit(&slots[w].done, memory_order_acquire)) spin_pause();
    pthread_mutex_unlock(&caller_lock);
}

static void sgemm(int m, int n, int k, const float *a, int lda, int transpose_a, const float *b, int ldb,
                  int transpose_b, float *c, int ldc, int threads, nabla_float_epilogue epilogue, void *context,
                  const update_spec *update) {
    if (m <= 0 || n <= 0) return;
    int level = float_kernel_level();
    gemm_job job = {0, m, n, k, lda, ldb, ldc, transpose_a != 0, transpose_b != 0, a, b, c,
                    (void (*)(void))epilogue, context, 0, 0, level, update};
    if (level == KERNEL_WIDEST) gemm(job, threads, WMR, WNR);
    else gemm(job, threads, SMR, SNR);
}

static void dgemm(int m, int n, int k, const double *a, int lda, int transpose_a, const double *b, int ldb,
                  int transpose_b, double *c, int ldc, int threads, nabla_double_epilogue epilogue, void *context,
                  const update_spec *update) {
    if (m <= 0 || n <= 0) return;
    int level = has_simd_kernel() ? KERNEL_SIMD : KERNEL_PORTABLE;
    gemm_job job = {1, m, n, k, lda, ldb, ldc, transpose_a != 0, transpose_b != 0, a, b, c,
                    (void (*)(void))epilogue, context, 0, 0, level, update};
    gemm(job, threads, DMR, DNR);
}

void nabla_sgemm_fused(int m, int n, int k, const float *a, int lda, int transpose_a, const float *b, int ldb,
                       int transpose_b, float *c, int ldc, int threads, nabla_float_epilogue epilogue, void *context) {
    sgemm(m, n, k, a, lda, transpose_a, b, ldb, transpose_b, c, ldc, threads, epilogue, context, NULL);
}

void nabla_dgemm_fused(int m, int n, int k, const double *a, int lda, int transpose_a, const double *b, int ldb,
                       int transpose_b, double *c, int ldc, int threads, nabla_double_epilogue epilogue, void *context) {
    dgemm(m, n, k, a, lda, transpose_a, b, ldb, transpose_b, c, ldc, threads, epilogue, context, NULL);
}

int nabla_gemm_slice_depth(void) { return (int)SKC < (int)DKC ? (int)SKC : (int)DKC; }

void nabla_sgemm_update(int m, int n, int k, const float *a, int lda, int transpose_a, const float *b, int ldb,
                        int transpose_b, float *c, int ldc, double scale, int scaled, int subtracting, int threads) {
    update_spec update = {scale, scaled != 0, subtracting != 0};
    sgemm(m, n, k, a, lda, transpose_a, b, ldb, transpose_b, c, ldc, threads, NULL, NULL, &update);
}

void nabla_dgemm_update(int m, int n, int k, const double *a, int lda, int transpose_a, const double *b, int ldb,
                        int transpose_b, double *c, int ldc, double scale, int scaled, int subtracting, int threads) {
    update_spec update = {scale, scaled != 0, subtracting != 0};
    dgemm(m, n, k, a, lda, transpose_a, b, ldb, transpose_b, c, ldc, threads, NULL, NULL, &update);
}

void nabla_sgemm_transposed(int m, int n, int k, const float *a, int lda, int transpose_a, const float *b, int ldb,
                            int transpose_b, float *c, int ldc, int threads) {
    nabla_sgemm_fused(m, n, k, a, lda, transpose_a, b, ldb, transpose_b, c, ldc, threads, NULL, NULL);
}

void nabla_dgemm_transposed(int m, int n, int k, const double *a, int lda, int transpose_a, const double *b, int ldb,
                            int transpose_b, double *c, int ldc, int threads) {
    nabla_dgemm_fused(m, n, k, a, lda, transpose_a, b, ldb, transpose_b, c, ldc, threads, NULL, NULL);
}

void nabla_sgemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc,
                 int threads) {
    nabla_sgemm_transposed(m, n, k, a, lda, 0, b, ldb, 0, c, ldc, threads);
}

void nabla_dgemm(int m, int n, int k, const double *a, int lda, const double *b, int ldb, double *c, int ldc,
                 int threads) {
    nabla_dgemm_transposed(m, n, k, a, lda, 0, b, ldb, 0, c, ldc, threads);
}
