// The matrix kernels tested on their own, in C, against a Double reference: every micro-kernel the
// build has (AVX-512 and AVX2, or NEON, and the portable one), float and double, transposed operands, odd
// shapes (edges of the register tile and of the cache blocks), and 1 to 64 threads. Built and run
// by .ci/check-kernels: natively, and cross-compiled for arm64 and run under qemu-user, which is
// how the NEON kernel is checked on an x86-64 machine.
#include "NablaKernels.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long state = 88172645463325252ULL;
static double next_uniform(void) {   // xorshift64, uniform in [-1, 1)
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (double)(state >> 11) / 9007199254740992.0 * 2 - 1;
}

static int failures = 0, checks = 0;

// The kernels a check runs with, on the calling thread (its products' workers follow it):
// 0 portable C, 1 AVX2 (or NEON), 2 the CPU's best (AVX-512 where it has it).
enum { PORTABLE = 0, AVX2 = 1, BEST = 2, KERNEL_CHOICES = 3 };
static void use_kernel(int kernel) {
    if (kernel == PORTABLE) nabla_kernels_force_portable(1);
    else if (kernel == AVX2) nabla_kernels_force_avx2(1);
    else nabla_kernels_force_portable(0);   // restores the CPU's choice
}

// op(X)[i][p] for X stored row-major, transposed (stored cols×rows) when `t`.
static double at(const double *x, int rows, int cols, int t, int i, int p) {
    return t ? x[(long)p * rows + i] : x[(long)i * cols + p];
}

static void check(int m, int n, int k, int ta, int tb, int threads, int kernel) {
    double *a = malloc(sizeof(double) * ((long)m * k + 1)), *b = malloc(sizeof(double) * ((long)k * n + 1));
    for (long i = 0; i < (long)m * k; i++) a[i] = next_uniform();
    for (long i = 0; i < (long)k * n; i++) b[i] = next_uniform();
    float *af = malloc(sizeof(float) * ((long)m * k + 1)), *bf = malloc(sizeof(float) * ((long)k * n + 1));
    for (long i = 0; i < (long)m * k; i++) af[i] = (float)a[i];
    for (long i = 0; i < (long)k * n; i++) bf[i] = (float)b[i];
    double *c = malloc(sizeof(double) * (long)m * n);
    float *cf = malloc(sizeof(float) * (long)m * n);
    for (long i = 0; i < (long)m * n; i++) { c[i] = NAN; cf[i] = NAN; }   // overwritten, never read
    use_kernel(kernel);
    nabla_dgemm_transposed(m, n, k, a, ta ? m : k, ta, b, tb ? k : n, tb, c, n, threads);
    nabla_sgemm_transposed(m, n, k, af, ta ? m : k, ta, bf, tb ? k : n, tb, cf, n, threads);
    use_kernel(BEST);
    double worst_d = 0, worst_f = 0;
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            // The reference in double from the float inputs too, and Σ|a||b| to scale the error.
            double exact = 0, exact_f = 0, scale = 0;
            for (int p = 0; p < k; p++) {
                double x = at(a, m, k, ta, i, p), y = at(b, k, n, tb, p, j);
                exact += x * y;
                exact_f += (double)(float)x * (double)(float)y;
                scale += fabs(x * y);
            }
            double ed = fabs(c[(long)i * n + j] - exact) / (scale + 1e-300);
            double ef = fabs((double)cf[(long)i * n + j] - exact_f) / (scale + 1e-300);
            if (!(ed <= worst_d)) worst_d = isnan(ed) ? INFINITY : ed;
            if (!(ef <= worst_f)) worst_f = isnan(ef) ? INFINITY : ef;
        }
    }
    // Each sum's rounding error is below k·ε·Σ|a||b| (ε: the type's unit roundoff).
    double bound_d = (k + 2) * 1.2e-16, bound_f = (k + 2) * 6.0e-8;
    checks++;
    if (!(worst_d <= bound_d) || !(worst_f <= bound_f)) {
        failures++;
        printf("FAIL m=%d n=%d k=%d ta=%d tb=%d threads=%d kernel=%d: double %.3g (bound %.3g), float %.3g (bound %.3g)\n",
               m, n, k, ta, tb, threads, kernel, worst_d, bound_d, worst_f, bound_f);
    }
    free(a); free(b); free(af); free(bf); free(c); free(cf);
}

// The same product on 1 thread and on `threads`: equal bit for bit (each element is computed by one
// thread, in the same order).
static void check_threads_agree(int m, int n, int k, int threads) {
    float *a = malloc(sizeof(float) * (long)m * k), *b = malloc(sizeof(float) * (long)k * n);
    for (long i = 0; i < (long)m * k; i++) a[i] = (float)next_uniform();
    for (long i = 0; i < (long)k * n; i++) b[i] = (float)next_uniform();
    float *one = malloc(sizeof(float) * (long)m * n), *many = malloc(sizeof(float) * (long)m * n);
    nabla_sgemm(m, n, k, a, k, b, n, one, n, 1);
    nabla_sgemm(m, n, k, a, k, b, n, many, n, threads);
    checks++;
    if (memcmp(one, many, sizeof(float) * (long)m * n) != 0) {
        failures++;
        printf("FAIL %d threads differ from 1 for m=%d n=%d k=%d\n", threads, m, n, k);
    }
    free(a); free(b); free(one); free(many);
}

// The AVX-512 and AVX2 float kernels give the same bits: the same k-slices, and for each element
// the same order of fused multiply-adds (on CPUs without AVX-512 both runs use one kernel).
static void check_wide_kernel_agrees(int m, int n, int k, int ta, int tb, int threads) {
    float *a = malloc(sizeof(float) * ((long)m * k + 1)), *b = malloc(sizeof(float) * ((long)k * n + 1));
    for (long i = 0; i < (long)m * k; i++) a[i] = (float)next_uniform();
    for (long i = 0; i < (long)k * n; i++) b[i] = (float)next_uniform();
    float *narrow = malloc(sizeof(float) * (long)m * n), *wide = malloc(sizeof(float) * (long)m * n);
    use_kernel(AVX2);
    nabla_sgemm_transposed(m, n, k, a, ta ? m : k, ta, b, tb ? k : n, tb, narrow, n, threads);
    use_kernel(BEST);
    nabla_sgemm_transposed(m, n, k, a, ta ? m : k, ta, b, tb ? k : n, tb, wide, n, threads);
    checks++;
    if (memcmp(narrow, wide, sizeof(float) * (long)m * n) != 0) {
        failures++;
        printf("FAIL %s and avx2 differ for m=%d n=%d k=%d ta=%d tb=%d threads=%d\n", nabla_sgemm_kernel(), m, n, k, ta, tb,
               threads);
    }
    free(a); free(b); free(narrow); free(wide);
}

// The epilogue: C[i][j] = relu(C[i][j] + bias[j]) on each finished tile, with a count of how often
// each element was passed (exactly once is right).
typedef struct {
    const float *bias;
    int *visits;
    int n;
} epilogue_context;

static void bias_relu(void *context, float *c, int ldc, int rows, int columns, int row0, int col0) {
    epilogue_context *e = context;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < columns; j++) {
            float v = c[(long)i * ldc + j] + e->bias[col0 + j];
            c[(long)i * ldc + j] = v > 0 ? v : 0;
            __atomic_fetch_add(&e->visits[(long)(row0 + i) * e->n + col0 + j], 1, __ATOMIC_RELAXED);
        }
}

// The fused product equals the product followed by the same loop, bit for bit, on any number of
// threads and with every kernel (chosen on the calling thread; the product's workers run the same
// one), and its epilogue sees every element of C once.
static void check_epilogue(int m, int n, int k, int ta, int tb, int threads, int kernel) {
    float *a = malloc(sizeof(float) * ((long)m * k + 1)), *b = malloc(sizeof(float) * ((long)k * n + 1));
    float *bias = malloc(sizeof(float) * n);
    for (long i = 0; i < (long)m * k; i++) a[i] = (float)next_uniform();
    for (long i = 0; i < (long)k * n; i++) b[i] = (float)next_uniform();
    for (int j = 0; j < n; j++) bias[j] = (float)next_uniform();
    float *plain = malloc(sizeof(float) * (long)m * n), *fused = malloc(sizeof(float) * (long)m * n);
    int *visits = calloc((size_t)m * n, sizeof(int));
    epilogue_context context = {bias, visits, n};
    use_kernel(kernel);
    nabla_sgemm_transposed(m, n, k, a, ta ? m : k, ta, b, tb ? k : n, tb, plain, n, threads);
    nabla_sgemm_fused(m, n, k, a, ta ? m : k, ta, b, tb ? k : n, tb, fused, n, threads, bias_relu, &context);
    use_kernel(BEST);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            float v = plain[(long)i * n + j] + bias[j];
            plain[(long)i * n + j] = v > 0 ? v : 0;
        }
    int once = 1;
    for (long i = 0; i < (long)m * n; i++) once = once && visits[i] == 1;
    checks++;
    if (memcmp(plain, fused, sizeof(float) * (long)m * n) != 0 || !once) {
        failures++;
        printf("FAIL epilogue m=%d n=%d k=%d ta=%d tb=%d threads=%d kernel=%d: %s\n", m, n, k, ta, tb, threads, kernel,
               once ? "values differ from the unfused product" : "an element was not passed exactly once");
    }
    free(a); free(b); free(bias); free(plain); free(fused); free(visits);
}

// The update C ± s·op(A)·op(B) equals the product followed by the two roundings (s·P, then the
// sum), bit for bit, for k within one slice, on any number of threads and with every kernel.
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif
static void check_update(int m, int n, int k, int ta, int tb, int threads, int kernel, int scaled, int subtracting) {
    float *a = malloc(sizeof(float) * ((long)m * k + 1)), *b = malloc(sizeof(float) * ((long)k * n + 1));
    for (long i = 0; i < (long)m * k; i++) a[i] = (float)next_uniform();
    for (long i = 0; i < (long)k * n; i++) b[i] = (float)next_uniform();
    float *product = malloc(sizeof(float) * (long)m * n), *expected = malloc(sizeof(float) * (long)m * n);
    float *updated = malloc(sizeof(float) * (long)m * n);
    for (long i = 0; i < (long)m * n; i++) updated[i] = (float)next_uniform();
    updated[0] = -0.0f;   // −0 + 0 is +0: a k = 0 update still rounds the sum
    const float s = 0.01f;
    use_kernel(kernel);
    nabla_sgemm_transposed(m, n, k, a, ta ? m : k, ta, b, tb ? k : n, tb, product, n, 1);
    for (long i = 0; i < (long)m * n; i++) {
        float p = scaled ? s * product[i] : product[i];
        expected[i] = subtracting ? updated[i] - p : updated[i] + p;
    }
    nabla_sgemm_update(m, n, k, a, ta ? m : k, ta, b, tb ? k : n, tb, updated, n, s, scaled, subtracting, threads);
    use_kernel(BEST);
    checks++;
    if (memcmp(expected, updated, sizeof(float) * (long)m * n) != 0) {
        failures++;
        printf("FAIL update m=%d n=%d k=%d ta=%d tb=%d threads=%d kernel=%d scaled=%d subtracting=%d\n", m, n, k, ta, tb,
               threads, kernel, scaled, subtracting);
    }
    free(a); free(b); free(product); free(expected); free(updated);
}
#if defined(__clang__)
#pragma STDC FP_CONTRACT ON
#elif defined(__GNUC__)
#pragma GCC pop_options
#endif

int main(void) {
    printf("kernel: %s, cores: %d\n", nabla_sgemm_kernel(), nabla_available_cores());
    // Edges of the 6×16 and 8×32 (float) and 6×8 (double) tiles, of k's slices (256) and of the
    // blocks.
    const int shapes[][3] = {
        {1, 1, 1}, {1, 1, 0}, {2, 3, 4}, {5, 7, 3}, {6, 16, 256}, {6, 8, 257}, {7, 17, 1},
        {8, 32, 256}, {9, 33, 257}, {8, 31, 5}, {16, 48, 7}, {17, 64, 2},
        {13, 9, 31}, {37, 50, 300}, {61, 33, 513}, {96, 200, 300}, {121, 130, 70}, {3, 3100, 5},
        {250, 7, 40}, {64, 784, 100},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int t = 0; t < 4; t++) {
            for (int kernel = 0; kernel < KERNEL_CHOICES; kernel++)
                check(shapes[s][0], shapes[s][1], shapes[s][2], t & 1, t >> 1, 1, kernel);
            check_wide_kernel_agrees(shapes[s][0], shapes[s][1], shapes[s][2], t & 1, t >> 1, 1);
            check_wide_kernel_agrees(shapes[s][0], shapes[s][1], shapes[s][2], t & 1, t >> 1, 3);
        }
    // Threads: more than the cores, and more than the strips there are.
    const int thread_counts[] = {2, 3, 4, 7, 16, 64, 200};
    for (size_t t = 0; t < sizeof thread_counts / sizeof thread_counts[0]; t++) {
        check(96, 200, 300, 0, 0, thread_counts[t], BEST);
        check(300, 20, 400, 1, 0, thread_counts[t], AVX2);   // few columns: split by rows
        check(64, 784, 100, 0, 1, thread_counts[t], BEST);
        check(64, 784, 100, 0, 1, thread_counts[t], PORTABLE);
        check_threads_agree(96, 600, 200, thread_counts[t]);
        check_threads_agree(400, 12, 300, thread_counts[t]);
    }
    // Epilogues: odd shapes (several k-slices, k = 0), transposed operands, every kernel, threads.
    const int epilogue_shapes[][3] = {{1, 1, 1}, {5, 7, 0}, {7, 17, 3}, {64, 256, 784}, {37, 50, 300}, {300, 20, 400}, {3, 3100, 5}};
    const int epilogue_threads[] = {1, 2, 3, 7, 64};
    for (size_t s = 0; s < sizeof epilogue_shapes / sizeof epilogue_shapes[0]; s++)
        for (size_t t = 0; t < sizeof epilogue_threads / sizeof epilogue_threads[0]; t++)
            for (int kernel = 0; kernel < KERNEL_CHOICES; kernel++)
                check_epilogue(epilogue_shapes[s][0], epilogue_shapes[s][1], epilogue_shapes[s][2], (int)(t & 1), (int)(s & 1),
                               epilogue_threads[t], kernel);
    // Updates (a weight's SGD step): edges of the tiles, k = 0 and k = 256 (one slice), W4's first
    // weight gradient (784×64 · 64×256, transposed A), every kernel, threads.
    const int update_shapes[][3] = {{1, 1, 1}, {5, 7, 0}, {9, 33, 17}, {37, 50, 256}, {784, 256, 64}};
    for (size_t s = 0; s < sizeof update_shapes / sizeof update_shapes[0]; s++)
        for (int form = 0; form < 4; form++)
            for (int kernel = 0; kernel < KERNEL_CHOICES; kernel++)
                check_update(update_shapes[s][0], update_shapes[s][1], update_shapes[s][2], (int)(s & 1) || s == 4, form == 3,
                             epilogue_threads[(s + (size_t)form) % 5], kernel, form & 1, form >> 1);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
