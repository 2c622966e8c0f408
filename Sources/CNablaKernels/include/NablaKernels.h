#ifndef NABLA_KERNELS_H
#define NABLA_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// C = A·B for row-major single-precision matrices: A is m×k (row stride lda), B is k×n
/// (row stride ldb), C is m×n (row stride ldc). C is overwritten. `threads` (≥ 1) is the most
/// threads the product may use: C is split into up to min(threads, 64) blocks of whole strips of
/// columns (or rows), each at least 2 MFLOP of work, computed by the caller and a pool of worker
/// threads started on first use. The result does not depend on the thread count.
///
/// Blocked as BLIS does (packing A and B into cache-sized panels and a register-blocked
/// micro-kernel), with the micro-kernel chosen at run time from what the CPU supports: AVX-512F
/// (floats) or AVX2 with FMA on x86-64, NEON on arm64, or portable C. No compiler flags are
/// needed: the AVX2 and AVX-512 code carries its own target attribute.
void nabla_sgemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                 float *c, int ldc, int threads);

/// The same for double precision.
void nabla_dgemm(int m, int n, int k, const double *a, int lda, const double *b, int ldb,
                 double *c, int ldc, int threads);

/// C = op(A)·op(B), where op(X) is X or, when the flag is set, Xᵀ: a transposed A is stored
/// k×m (row stride lda), a transposed B is stored n×k. No transposed copy is made: packing reads
/// the operands either way.
void nabla_sgemm_transposed(int m, int n, int k, const float *a, int lda, int transpose_a, const float *b, int ldb,
                            int transpose_b, float *c, int ldc, int threads);
void nabla_dgemm_transposed(int m, int n, int k, const double *a, int lda, int transpose_a, const double *b, int ldb,
                            int transpose_b, double *c, int ldc, int threads);

/// A function a product applies to each finished tile of C (`rows`×`columns` elements from `c`,
/// row stride `ldc`; its first element is C[row0][col0]): an epilogue, such as adding a bias and
/// applying an activation while the tile is in L1. The calls cover C exactly once (each element in
/// one tile), each by the thread that computed that tile (so several may run at a time), with
/// `context` as given.
typedef void (*nabla_float_epilogue)(void *context, float *c, int ldc, int rows, int columns, int row0, int col0);
/// The same for double precision.
typedef void (*nabla_double_epilogue)(void *context, double *c, int ldc, int rows, int columns, int row0, int col0);

/// nabla_sgemm_transposed, then `epilogue` (when not NULL) on every tile of C right after the
/// tile's last write-back, on the thread that computed it: C = epilogue(op(A)·op(B)) in one pass.
void nabla_sgemm_fused(int m, int n, int k, const float *a, int lda, int transpose_a, const float *b, int ldb,
                       int transpose_b, float *c, int ldc, int threads, nabla_float_epilogue epilogue, void *context);
/// The same for double precision.
void nabla_dgemm_fused(int m, int n, int k, const double *a, int lda, int transpose_a, const double *b, int ldb,
                       int transpose_b, double *c, int ldc, int threads, nabla_double_epilogue epilogue, void *context);

/// C = C + s·(op(A)·op(B)), or C − s·(op(A)·op(B)) when `subtracting` (the product itself
/// without `scaled`): BLAS's C ← αAB + C, an optimiser's update of a weight in one pass. Each
/// tile of the product is computed into a scratch buffer of the thread and combined with C while
/// it is in L1, C's tile fetched while the product is computed; the product is never stored.
/// Rounded as the separate operations round (the product as nabla_sgemm_transposed sums it, then
/// s·P, then C ± that), so bit for bit theirs whenever k is at most nabla_gemm_slice_depth()
/// (deeper products are summed in one slice here, in slices there).
void nabla_sgemm_update(int m, int n, int k, const float *a, int lda, int transpose_a, const float *b, int ldb,
                        int transpose_b, float *c, int ldc, double scale, int scaled, int subtracting, int threads);
/// The same for double precision.
void nabla_dgemm_update(int m, int n, int k, const double *a, int lda, int transpose_a, const double *b, int ldb,
                        int transpose_b, double *c, int ldc, double scale, int scaled, int subtracting, int threads);

/// The depth of the k-slices products are summed in (each slice's sum is added to C).
int nabla_gemm_slice_depth(void);

/// The micro-kernel nabla_sgemm uses on this CPU (and on the calling thread): "avx512f",
/// "avx2-fma", "neon" or "portable".
const char *nabla_sgemm_kernel(void);

/// The cores this process may run on: its CPU affinity on Linux (taskset, cpusets), otherwise
/// the cores online; at least 1.
int nabla_available_cores(void);

/// Forces the portable kernel on the calling thread (for tests of the fallback): 1 forces it, 0
/// restores the choice.
void nabla_kernels_force_portable(int force);

/// Keeps the calling thread's float products on the AVX2 kernel where the CPU has AVX-512 (for
/// tests and benchmarks comparing the two): 1 keeps it there, 0 restores the choice. The two
/// kernels give the same bits (the same k-slices and order of fused multiply-adds).
void nabla_kernels_force_avx2(int force);

/// out[k·inner + i] = Σ_r x[(k·reduced + r)·inner + i] for k < outer, i < inner: the sum over the
/// middle axis of a row-major array of shape [outer, reduced, inner] (inner = 1: sums of
/// contiguous runs; outer = 1: sums of rows). Pairwise summation, as NumPy's: the rounding
/// error grows as log₂(reduced), not as reduced. The order of additions depends only on the
/// shape. An empty sum is 0.
void nabla_ssum(const float *x, ptrdiff_t outer, ptrdiff_t reduced, ptrdiff_t inner, float *out);
void nabla_dsum(const double *x, ptrdiff_t outer, ptrdiff_t reduced, ptrdiff_t inner, double *out);

/// For each window of max pooling over an image batch [planes, h, w] (row-major; planes = N·C),
/// windows kh×kw moved by (sh, sw), padding (ph, pw) and dilation (dh, dw) giving an [oh, ow]
/// output per plane: chosen[(p·oh + y)·ow + x] = the flat index in x of the window's maximum
/// among its taps inside the image, or −1 when none is inside. As PyTorch's max_pool2d: the
/// first of equal maxima, the last NaN when there are NaNs. O(planes·oh·ow·kh·kw).
void nabla_spool_argmax(const float *x, ptrdiff_t planes, ptrdiff_t h, ptrdiff_t w, ptrdiff_t oh, ptrdiff_t ow,
                        ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t sh, ptrdiff_t sw, ptrdiff_t ph, ptrdiff_t pw,
                        ptrdiff_t dh, ptrdiff_t dw, ptrdiff_t *chosen);
void nabla_dpool_argmax(const double *x, ptrdiff_t planes, ptrdiff_t h, ptrdiff_t w, ptrdiff_t oh, ptrdiff_t ow,
                        ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t sh, ptrdiff_t sw, ptrdiff_t ph, ptrdiff_t pw,
                        ptrdiff_t dh, ptrdiff_t dw, ptrdiff_t *chosen);

/// The patches' table of offsets for images of h × w under a window geometry (as
/// nabla_spool_argmax's): for k = ((i·kw + j)·oh + y)·ow + x, offsets[k] = the flat index in an
/// image of pixel (y·sh − ph + i·dh, x·sw − pw + j·dw), or −1 where that is padding.
/// kh·kw·oh·ow entries.
void nabla_patch_offsets(ptrdiff_t h, ptrdiff_t w, ptrdiff_t oh, ptrdiff_t ow, ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t sh,
                         ptrdiff_t sw, ptrdiff_t ph, ptrdiff_t pw, ptrdiff_t dh, ptrdiff_t dw, ptrdiff_t *offsets);

/// im2col over `planes` images of `plane_size` pixels (≥ 1) each: out[p·block + k] =
/// x[p·plane_size + offsets[k]], or `pad` where offsets[k] = −1.
void nabla_sunfold(const float *x, ptrdiff_t planes, ptrdiff_t plane_size, const ptrdiff_t *offsets, ptrdiff_t block,
                   float pad, float *out);
void nabla_dunfold(const double *x, ptrdiff_t planes, ptrdiff_t plane_size, const ptrdiff_t *offsets, ptrdiff_t block,
                   double pad, double *out);

/// col2im, im2col's transpose: out[p·plane_size + offsets[k]] += patches[p·block + k] for every
/// k with offsets[k] ≥ 0 (padding is dropped), in order of k.
void nabla_sfold(const float *patches, ptrdiff_t planes, ptrdiff_t plane_size, const ptrdiff_t *offsets, ptrdiff_t block,
                 float *out);
void nabla_dfold(const double *patches, ptrdiff_t planes, ptrdiff_t plane_size, const ptrdiff_t *offsets, ptrdiff_t block,
                 double *out);

#ifdef __cplusplus
}
#endif

#endif
