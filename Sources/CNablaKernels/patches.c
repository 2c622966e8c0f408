// im2col and col2im (the patches of a convolution and their gradient) for float and double,
// through a table of offsets built once per call.
//
// For the small images of a convolutional network (8×8, 4×4) the rows of a patch matrix are
// 4–8 elements long, so copying them row by row spends its time on loop bounds, not on data.
// Every plane (one channel of one image) has the same geometry, so the table says once, for
// every element of a plane's block of patches (kh·kw rows of oh·ow), which pixel of the plane
// it reads, or −1 for padding; each plane is then one flat pass over its block.
#include "NablaKernels.h"

void nabla_patch_offsets(ptrdiff_t h, ptrdiff_t w, ptrdiff_t oh, ptrdiff_t ow, ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t sh,
                         ptrdiff_t sw, ptrdiff_t ph, ptrdiff_t pw, ptrdiff_t dh, ptrdiff_t dw, ptrdiff_t *offsets) {
    for (ptrdiff_t i = 0; i < kh; i++) {
        for (ptrdiff_t j = 0; j < kw; j++) {
            for (ptrdiff_t y = 0; y < oh; y++) {
                const ptrdiff_t row = y * sh - ph + i * dh;
                for (ptrdiff_t x = 0; x < ow; x++) {
                    const ptrdiff_t column = x * sw - pw + j * dw;
                    *offsets++ = row >= 0 && row < h && column >= 0 && column < w ? row * w + column : -1;
                }
            }
        }
    }
}

#define DEFINE_PATCHES(T, UNFOLD, FOLD)                                                          \
    void UNFOLD(const T *x, ptrdiff_t planes, ptrdiff_t plane_size, const ptrdiff_t *offsets,    \
                ptrdiff_t block, T pad, T *out) {                                                \
        for (ptrdiff_t p = 0; p < planes; p++) {                                                 \
            const T *image = x + p * plane_size;                                                 \
            T *patches = out + p * block;                                                        \
            for (ptrdiff_t k = 0; k < block; k++) {                                              \
                const ptrdiff_t o = offsets[k];                                                  \
                const T value = image[o >= 0 ? o : 0]; /* pixel 0 always exists: no branch */    \
                patches[k] = o >= 0 ? value : pad;                                               \
            }                                                                                    \
        }                                                                                        \
    }                                                                                            \
                                                                                                 \
    void FOLD(const T *patches, ptrdiff_t planes, ptrdiff_t plane_size, const ptrdiff_t *offsets, \
              ptrdiff_t block, T *out) {                                                         \
        for (ptrdiff_t p = 0; p < planes; p++) {                                                 \
            const T *source = patches + p * block;                                               \
            T *image = out + p * plane_size;                                                     \
            for (ptrdiff_t k = 0; k < block; k++) {                                              \
                const ptrdiff_t o = offsets[k];                                                  \
                /* Padding adds −0 to pixel 0: x + (−0) is x for every x, −0 and NaN included. */ \
                image[o >= 0 ? o : 0] += o >= 0 ? source[k] : (T)-0.0;                           \
            }                                                                                    \
        }                                                                                        \
    }

DEFINE_PATCHES(float, nabla_sunfold, nabla_sfold)
DEFINE_PATCHES(double, nabla_dunfold, nabla_dfold)
