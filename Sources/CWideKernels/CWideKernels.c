#include "CWideKernels.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

int rlhf_wide_kernels_available(void) {
    const char *setting = getenv("RLHF_WIDE_KERNELS");
    if (setting && strcmp(setting, "0") == 0) return 0;
    // Checks the CPUID bit and that the OS saves the ZMM registers (XCR0).
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
}

#define WIDE __attribute__((target("avx512f")))

/// e^x on 16 lanes: exp8's range reduction and polynomial (VectorMath.swift), with each
/// multiply-add fused (half the operations; results within an ulp or two of exp8's).
WIDE static inline __m512 exp16(__m512 x) {
    const __m512 magic = _mm512_set1_ps(12582912.0f);
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.33654f));
    x = _mm512_min_ps(x, _mm512_set1_ps(88.37626f));
    const __m512 shifted = _mm512_fmadd_ps(x, _mm512_set1_ps(1.442695041f), magic);
    const __m512 n = _mm512_sub_ps(shifted, magic);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    const __m512 poly = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
    const __m512i integer = _mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_set1_epi32(0x4B400000));
    const __m512i scale = _mm512_slli_epi32(_mm512_add_epi32(integer, _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(poly, _mm512_castsi512_ps(scale));
}

/// The mask of the first n (<= 16) lanes.
WIDE static inline __mmask16 prefix(long n) { return (__mmask16)((1u << n) - 1); }

WIDE float rlhf_wide_max(const float *x, long n) {
    __m512 m = _mm512_set1_ps(-__builtin_inff());
    long i = 0;
    for (; i + 16 <= n; i += 16) m = _mm512_max_ps(m, _mm512_loadu_ps(x + i));
    if (i < n) m = _mm512_mask_max_ps(m, prefix(n - i), m, _mm512_maskz_loadu_ps(prefix(n - i), x + i));
    return _mm512_reduce_max_ps(m);
}

WIDE float rlhf_wide_exp_shifted(const float *x, float *out, long n, float scale, float shift) {
    const __m512 vscale = _mm512_set1_ps(scale), vshift = _mm512_set1_ps(shift);
    __m512 acc = _mm512_setzero_ps();
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 e = exp16(_mm512_fmsub_ps(_mm512_loadu_ps(x + i), vscale, vshift));
        _mm512_storeu_ps(out + i, e);
        acc = _mm512_add_ps(acc, e);
    }
    if (i < n) {
        __mmask16 mask = prefix(n - i);
        __m512 e = exp16(_mm512_fmsub_ps(_mm512_maskz_loadu_ps(mask, x + i), vscale, vshift));
        _mm512_mask_storeu_ps(out + i, mask, e);
        acc = _mm512_mask_add_ps(acc, mask, acc, e);
    }
    return _mm512_reduce_add_ps(acc);
}

/// x[from..<to] = 0, a vector at a time (the masked part of a row within the diagonal block).
WIDE static inline void zero(float *x, long from, long to) {
    for (long j = from; j < to; j += 16) {
        _mm512_mask_storeu_ps(x + j, prefix(to - j < 16 ? to - j : 16), _mm512_setzero_ps());
    }
}

WIDE float rlhf_wide_exp_row(float *row, long n, long width, float *stats) {
    const float max = rlhf_wide_max(row, n);
    const float inv = 1.0f / rlhf_wide_exp_shifted(row, row, n, 1.0f, max);
    zero(row, n, width);
    if (stats) {
        stats[0] = max;
        stats[1] = inv;
    }
    return inv;
}

WIDE void rlhf_wide_softmax_recompute_row(float *row, long n, long width, float max, float inv) {
    const __m512 vmax = _mm512_set1_ps(max), one = _mm512_set1_ps(1.0f), vinv = _mm512_set1_ps(inv);
    long j = 0;
    // exp_shifted's arithmetic for each entry (scale 1), times inv, in one pass.
    for (; j + 16 <= n; j += 16) {
        const __m512 e = exp16(_mm512_fmsub_ps(_mm512_loadu_ps(row + j), one, vmax));
        _mm512_storeu_ps(row + j, _mm512_mul_ps(e, vinv));
    }
    if (j < n) {
        const __mmask16 mask = prefix(n - j);
        const __m512 e = exp16(_mm512_fmsub_ps(_mm512_maskz_loadu_ps(mask, row + j), one, vmax));
        _mm512_mask_storeu_ps(row + j, mask, _mm512_mul_ps(e, vinv));
    }
    zero(row, n, width);
}

WIDE void rlhf_wide_softmax_backward_row(const float *p, float *dp, long n, long width) {
    __m512 acc = _mm512_setzero_ps();
    long j = 0;
    for (; j + 16 <= n; j += 16) acc = _mm512_fmadd_ps(_mm512_loadu_ps(p + j), _mm512_loadu_ps(dp + j), acc);
    const __mmask16 tail = prefix(n - j);
    acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, p + j), _mm512_maskz_loadu_ps(tail, dp + j), acc);
    const __m512 dot = _mm512_set1_ps(_mm512_reduce_add_ps(acc));
    for (j = 0; j + 16 <= n; j += 16) {
        _mm512_storeu_ps(dp + j, _mm512_mul_ps(_mm512_loadu_ps(p + j), _mm512_sub_ps(_mm512_loadu_ps(dp + j), dot)));
    }
    if (j < n) {
        _mm512_mask_storeu_ps(dp + j, tail,
                              _mm512_mul_ps(_mm512_maskz_loadu_ps(tail, p + j),
                                            _mm512_sub_ps(_mm512_maskz_loadu_ps(tail, dp + j), dot)));
    }
    zero(dp, n, width);
}

/// 1 / (1 + e^-g), lane by lane: a 14-bit reciprocal estimate and one Newton step (within 1
/// ulp or so of the quotient), as a 16-lane division costs as much as two 8-lane ones.
WIDE static inline __m512 sigmoid16(__m512 g) {
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 d = _mm512_add_ps(one, exp16(_mm512_sub_ps(_mm512_setzero_ps(), g)));
    __m512 r = _mm512_rcp14_ps(d);
    return _mm512_mul_ps(r, _mm512_fnmadd_ps(d, r, _mm512_set1_ps(2.0f)));
}

WIDE void rlhf_wide_swiglu_forward(float *out, const float *gate_up, long rows, long hidden) {
    for (long i = 0; i < rows; i++) {
        const float *g = gate_up + i * 2 * hidden, *u = g + hidden;
        float *h = out + i * hidden;
        for (long j = 0; j < hidden; j += 16) {
            const __mmask16 mask = prefix(hidden - j < 16 ? hidden - j : 16);
            __m512 gv = _mm512_maskz_loadu_ps(mask, g + j);
            __m512 silu = _mm512_mul_ps(gv, sigmoid16(gv));
            _mm512_mask_storeu_ps(h + j, mask, _mm512_mul_ps(silu, _mm512_maskz_loadu_ps(mask, u + j)));
        }
    }
}

WIDE void rlhf_wide_swiglu_backward(float *dgate_up, const float *dout, const float *gate_up, long rows, long hidden) {
    const __m512 one = _mm512_set1_ps(1.0f);
    for (long i = 0; i < rows; i++) {
        const float *g = gate_up + i * 2 * hidden, *u = g + hidden, *dy = dout + i * hidden;
        float *dg = dgate_up + i * 2 * hidden, *du = dg + hidden;
        for (long j = 0; j < hidden; j += 16) {
            const __mmask16 mask = prefix(hidden - j < 16 ? hidden - j : 16);
            __m512 gv = _mm512_maskz_loadu_ps(mask, g + j), dyv = _mm512_maskz_loadu_ps(mask, dy + j);
            __m512 sigmoid = sigmoid16(gv);
            _mm512_mask_storeu_ps(du + j, mask, _mm512_mul_ps(_mm512_mul_ps(dyv, gv), sigmoid));
            // dy * u * s * (1 + g * (1 - s))
            __m512 slope = _mm512_add_ps(one, _mm512_mul_ps(gv, _mm512_sub_ps(one, sigmoid)));
            __m512 dgv = _mm512_mul_ps(_mm512_mul_ps(_mm512_mul_ps(dyv, _mm512_maskz_loadu_ps(mask, u + j)), sigmoid), slope);
            _mm512_mask_storeu_ps(dg + j, mask, dgv);
        }
    }
}

WIDE void rlhf_wide_rmsnorm_forward(float *out, float *rstd, const float *inp, const float *weight, long rows, long dim,
                                   float eps) {
    for (long i = 0; i < rows; i++) {
        const float *x = inp + i * dim;
        float *y = out + i * dim;
        __m512 squares = _mm512_setzero_ps();
        for (long j = 0; j < dim; j += 16) {
            const __m512 xv = _mm512_maskz_loadu_ps(prefix(dim - j < 16 ? dim - j : 16), x + j);
            squares = _mm512_fmadd_ps(xv, xv, squares);
        }
        const float r = 1 / _mm_cvtss_f32(_mm_sqrt_ss(_mm_set_ss(_mm512_reduce_add_ps(squares) / (float)dim + eps)));
        rstd[i] = r;
        const __m512 vr = _mm512_set1_ps(r);
        for (long j = 0; j < dim; j += 16) {
            const __mmask16 mask = prefix(dim - j < 16 ? dim - j : 16);
            const __m512 xv = _mm512_maskz_loadu_ps(mask, x + j);
            _mm512_mask_storeu_ps(y + j, mask, _mm512_mul_ps(_mm512_mul_ps(xv, vr), _mm512_maskz_loadu_ps(mask, weight + j)));
        }
    }
}

WIDE void rlhf_wide_rmsnorm_backward(float *dinp, float *dweight, const float *dout, const float *inp, const float *weight,
                                    const float *rstd, long rows, long dim) {
    for (long i = 0; i < rows; i++) {
        const float *x = inp + i * dim, *dy = dout + i * dim;
        float *dx = dinp + i * dim;
        __m512 sums = _mm512_setzero_ps();
        for (long j = 0; j < dim; j += 16) {
            const __mmask16 mask = prefix(dim - j < 16 ? dim - j : 16);
            const __m512 g = _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, weight + j), _mm512_maskz_loadu_ps(mask, dy + j));
            sums = _mm512_fmadd_ps(g, _mm512_maskz_loadu_ps(mask, x + j), sums);
        }
        const float r = rstd[i], k = r * r * r * _mm512_reduce_add_ps(sums) / (float)dim;
        const __m512 vr = _mm512_set1_ps(r), vk = _mm512_set1_ps(k);
        for (long j = 0; j < dim; j += 16) {
            const __mmask16 mask = prefix(dim - j < 16 ? dim - j : 16);
            const __m512 xv = _mm512_maskz_loadu_ps(mask, x + j), dyv = _mm512_maskz_loadu_ps(mask, dy + j);
            const __m512 g = _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, weight + j), dyv);
            // dx += r g - k x;  dweight += dy x r
            const __m512 dxv = _mm512_fnmadd_ps(vk, xv, _mm512_fmadd_ps(vr, g, _mm512_maskz_loadu_ps(mask, dx + j)));
            _mm512_mask_storeu_ps(dx + j, mask, dxv);
            _mm512_mask_storeu_ps(dweight + j, mask,
                                  _mm512_fmadd_ps(_mm512_mul_ps(dyv, xv), vr, _mm512_maskz_loadu_ps(mask, dweight + j)));
        }
    }
}

WIDE void rlhf_wide_rope(float *x, long rows, long heads, long head_dim, long stride, const int *positions,
                        const float *cos_table, const float *sin_table, float sign) {
    const long half = head_dim / 2;
    const __m512 vsign = _mm512_set1_ps(sign);
    for (long row = 0; row < rows; row++) {
        const float *cs = cos_table + positions[row] * half, *sn = sin_table + positions[row] * half;
        for (long h = 0; h < heads; h++) {
            float *v = x + row * stride + h * head_dim;
            for (long i = 0; i < half; i += 16) {
                const __mmask16 mask = prefix(half - i < 16 ? half - i : 16);
                const __m512 a = _mm512_maskz_loadu_ps(mask, v + i), b = _mm512_maskz_loadu_ps(mask, v + half + i);
                const __m512 c = _mm512_maskz_loadu_ps(mask, cs + i);
                const __m512 s = _mm512_mul_ps(vsign, _mm512_maskz_loadu_ps(mask, sn + i));
                _mm512_mask_storeu_ps(v + i, mask, _mm512_fnmadd_ps(b, s, _mm512_mul_ps(a, c)));
                _mm512_mask_storeu_ps(v + half + i, mask, _mm512_fmadd_ps(a, s, _mm512_mul_ps(b, c)));
            }
        }
    }
}

WIDE void rlhf_wide_adamw(float *p, const float *g, float *m, float *v, long n, float lr, float beta1, float beta2,
                          float inverse_c1, float inverse_c2, float eps, float decay) {
    const __m512 b1 = _mm512_set1_ps(beta1), b2 = _mm512_set1_ps(beta2);
    const __m512 a1 = _mm512_set1_ps(1 - beta1), a2 = _mm512_set1_ps(1 - beta2);
    const __m512 c1 = _mm512_set1_ps(inverse_c1), c2 = _mm512_set1_ps(inverse_c2);
    const __m512 ve = _mm512_set1_ps(eps), vlr = _mm512_set1_ps(lr), vd = _mm512_set1_ps(decay);
    for (long i = 0; i < n; i += 16) {
        const __mmask16 mask = prefix(n - i < 16 ? n - i : 16);
        const __m512 gi = _mm512_maskz_loadu_ps(mask, g + i), pi = _mm512_maskz_loadu_ps(mask, p + i);
        const __m512 mi = _mm512_add_ps(_mm512_mul_ps(b1, _mm512_maskz_loadu_ps(mask, m + i)), _mm512_mul_ps(a1, gi));
        const __m512 vi = _mm512_add_ps(_mm512_mul_ps(b2, _mm512_maskz_loadu_ps(mask, v + i)),
                                        _mm512_mul_ps(_mm512_mul_ps(a2, gi), gi));
        _mm512_mask_storeu_ps(m + i, mask, mi);
        _mm512_mask_storeu_ps(v + i, mask, vi);
        const __m512 step = _mm512_div_ps(_mm512_mul_ps(mi, c1), _mm512_add_ps(_mm512_sqrt_ps(_mm512_mul_ps(vi, c2)), ve));
        _mm512_mask_storeu_ps(p + i, mask, _mm512_sub_ps(pi, _mm512_mul_ps(vlr, _mm512_add_ps(step, _mm512_mul_ps(vd, pi)))));
    }
}

/// Rows of B (columns of A) per pass over C: a chunk's rows of A and B stay in L1 while the tiles
/// reread them. 128, twice SmallGemm.swift's 64: half the passes over C (small and stories260K
/// training +2%). A decoding panel, prefetched one chunk ahead from L3, keeps chunks of 64
/// (PanelMatmul.prefetchRows).
enum { DEPTH_CHUNK = 128, PREFETCHED_DEPTH_CHUNK = 64 };

/// C[row..<row+rows, col..<col+16*VECS] from one depth chunk, rows <= R; `masks` select the
/// columns of each vector (all 16 but at the right edge). A tile past M recomputes its last
/// row instead of branching in the loop. R, VECS and PREFETCH are constants at every call, so
/// the accumulators live in registers and the loop has no branch on prefetching.
__attribute__((always_inline)) WIDE static inline void tile(
    const int R, const int VECS, const int PREFETCH, const __mmask16 masks[2], long rows,
    const float *a, long a_row_stride, long a_column_stride, const float *b, long ldb,
    float *c, long ldc, long depth, float alpha, int accumulate, long prefetch_offset) {
    const float *arow[R];
    for (int r = 0; r < R; r++) arow[r] = a + (r < rows ? r : rows - 1) * a_row_stride;
    __m512 acc[R][VECS];
    for (int r = 0; r < R; r++)
        for (int v = 0; v < VECS; v++) acc[r][v] = _mm512_setzero_ps();
    const float *bk = b;
    long ak = 0;
    for (long kk = 0; kk < depth; kk++) {
        if (PREFETCH) {
            for (int v = 0; v < VECS; v++) _mm_prefetch((const char *)(bk + prefetch_offset + 16 * v), _MM_HINT_T0);
        }
        __m512 bv[VECS];
        for (int v = 0; v < VECS; v++) bv[v] = _mm512_maskz_loadu_ps(masks[v], bk + 16 * v);
        for (int r = 0; r < R; r++) {
            __m512 s = _mm512_set1_ps(arow[r][ak]);
            for (int v = 0; v < VECS; v++) acc[r][v] = _mm512_fmadd_ps(bv[v], s, acc[r][v]);
        }
        bk += ldb;
        ak += a_column_stride;
    }
    const __m512 valpha = _mm512_set1_ps(alpha);
    for (int r = 0; r < R && r < rows; r++) {
        float *y = c + r * ldc;
        for (int v = 0; v < VECS; v++) {
            __m512 out = accumulate ? _mm512_fmadd_ps(valpha, acc[r][v], _mm512_maskz_loadu_ps(masks[v], y + 16 * v))
                                    : _mm512_mul_ps(valpha, acc[r][v]);
            _mm512_mask_storeu_ps(y + 16 * v, masks[v], out);
        }
    }
}

/// One strip of columns of C, in tiles of R rows down the whole of M. Only the first tile
/// prefetches: the later ones find the chunk in L1.
__attribute__((always_inline)) WIDE static inline void strip(
    const int R, const int VECS, const __mmask16 masks[2], long m,
    const float *a, long a_row_stride, long a_column_stride, const float *b, long ldb,
    float *c, long ldc, long depth, float alpha, int accumulate, long prefetch_offset) {
    long i0 = 0;
    if (prefetch_offset) {
        tile(R, VECS, 1, masks, m < R ? m : R, a, a_row_stride, a_column_stride, b, ldb, c, ldc, depth, alpha,
             accumulate, prefetch_offset);
        i0 = R;
    }
    for (; i0 < m; i0 += R) {
        tile(R, VECS, 0, masks, m - i0 < R ? m - i0 : R, a + i0 * a_row_stride, a_row_stride, a_column_stride,
             b, ldb, c + i0 * ldc, ldc, depth, alpha, accumulate, 0);
    }
}

/// C[row..<row+rows, col..<col+64] from one depth chunk, rows <= 6: 24 accumulators, 4 loads
/// and 6 broadcasts per 24 FMAs, against 2 and 8 per 16 in `tile`'s 8 x 32 (the linear layers'
/// backward measured 10-15% faster). Written out register by register: as an array like `tile`'s,
/// clang spills it and slows every product in this file.
WIDE static inline void tile64(long rows, const float *a, long a_row_stride, long a_column_stride,
                               const float *b, long ldb, float *c, long ldc, long depth, float alpha, int accumulate) {
#define A_ROW(r) (a + ((r) < rows ? (r) : rows - 1) * a_row_stride)
    const float *a0 = A_ROW(0), *a1 = A_ROW(1), *a2 = A_ROW(2), *a3 = A_ROW(3), *a4 = A_ROW(4), *a5 = A_ROW(5);
#undef A_ROW
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
    __m512 c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
    __m512 c40 = c00, c41 = c00, c42 = c00, c43 = c00, c50 = c00, c51 = c00, c52 = c00, c53 = c00;
    long ak = 0;
    for (long kk = 0; kk < depth; kk++) {
        const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
        const __m512 b2 = _mm512_loadu_ps(b + 32), b3 = _mm512_loadu_ps(b + 48);
#define FMA_ROW(ar, x0, x1, x2, x3) do { const __m512 s = _mm512_set1_ps(ar[ak]); \
        x0 = _mm512_fmadd_ps(b0, s, x0); x1 = _mm512_fmadd_ps(b1, s, x1); \
        x2 = _mm512_fmadd_ps(b2, s, x2); x3 = _mm512_fmadd_ps(b3, s, x3); } while (0)
        FMA_ROW(a0, c00, c01, c02, c03);
        FMA_ROW(a1, c10, c11, c12, c13);
        FMA_ROW(a2, c20, c21, c22, c23);
        FMA_ROW(a3, c30, c31, c32, c33);
        FMA_ROW(a4, c40, c41, c42, c43);
        FMA_ROW(a5, c50, c51, c52, c53);
#undef FMA_ROW
        b += ldb;
        ak += a_column_stride;
    }
    const __m512 valpha = _mm512_set1_ps(alpha);
#define PUT_ROW(r, x0, x1, x2, x3) do { float *y = c + (r) * ldc; const __m512 xs[4] = {x0, x1, x2, x3}; \
        for (int v = 0; v < 4; v++) { \
            _mm512_storeu_ps(y + 16 * v, accumulate ? _mm512_fmadd_ps(valpha, xs[v], _mm512_loadu_ps(y + 16 * v)) \
                                                    : _mm512_mul_ps(valpha, xs[v])); \
        } } while (0)
    PUT_ROW(0, c00, c01, c02, c03);
    if (rows > 1) PUT_ROW(1, c10, c11, c12, c13);
    if (rows > 2) PUT_ROW(2, c20, c21, c22, c23);
    if (rows > 3) PUT_ROW(3, c30, c31, c32, c33);
    if (rows > 4) PUT_ROW(4, c40, c41, c42, c43);
    if (rows > 5) PUT_ROW(5, c50, c51, c52, c53);
#undef PUT_ROW
}

/// One strip of 64 columns, in tiles of 6 rows down M. Out of line, so that its 24 accumulators
/// do not crowd the register allocation of `small_gemm_rows`' other strips.
__attribute__((noinline)) WIDE static void strip64(long m, const float *a, long a_row_stride, long a_column_stride,
                                                   const float *b, long ldb, float *c, long ldc, long depth,
                                                   float alpha, int accumulate) {
    for (long i0 = 0; i0 < m; i0 += 6) {
        tile64(m - i0 < 6 ? m - i0 : 6, a + i0 * a_row_stride, a_row_stride, a_column_stride, b, ldb,
               c + i0 * ldc, ldc, depth, alpha, accumulate);
    }
}

/// rlhf_wide_small_gemm for one block of rows: depth chunk by depth chunk, strip by strip.
WIDE static void small_gemm_rows(long m, long n, long k, float alpha,
                                 const float *a, long a_row_stride, long a_column_stride,
                                 const float *b, long ldb, float *c, long ldc, int accumulate, long prefetch_offset) {
    const __mmask16 full[2] = {0xFFFF, 0xFFFF};
    const long chunk = prefetch_offset ? PREFETCHED_DEPTH_CHUNK : DEPTH_CHUNK;
    long k0 = 0;
    do {
        long depth = k - k0 < chunk ? k - k0 : chunk;
        const float *ak = a + k0 * a_column_stride, *bk = b + k0 * ldb;
        int acc = accumulate || k0 > 0;
        long j0 = 0;
        // Strips of 64 columns where there are 64 (not decoding's prefetched panels, 32 wide);
        // then strips of 32 in tiles of 8 rows: 16 accumulators, 2 loads and 8 broadcasts per 16 FMAs.
        if (!prefetch_offset) {
            for (; n - j0 >= 64; j0 += 64) {
                strip64(m, ak, a_row_stride, a_column_stride, bk + j0, ldb, c + j0, ldc, depth, alpha, acc);
            }
        }
        for (; n - j0 >= 32; j0 += 32) {
            strip(8, 2, full, m, ak, a_row_stride, a_column_stride, bk + j0, ldb, c + j0, ldc, depth, alpha, acc,
                  prefetch_offset);
        }
        // The last strip, 1 to 31 columns: two vectors in tiles of 8 rows, or one (a head dim
        // of 8 or 16, a decoding panel) in tiles of 12, so that there are still 12 independent
        // FMA chains; of 8 when M <= 16 (decoding's few rows), where 12 would mostly recompute.
        long width = n - j0;
        if (width > 16) {
            const __mmask16 masks[2] = {0xFFFF, prefix(width - 16)};
            strip(8, 2, masks, m, ak, a_row_stride, a_column_stride, bk + j0, ldb, c + j0, ldc, depth, alpha, acc,
                  prefetch_offset);
        } else if (width > 0) {
            const __mmask16 masks[2] = {prefix(width), 0};
            if (m <= 16) {
                strip(8, 1, masks, m, ak, a_row_stride, a_column_stride, bk + j0, ldb, c + j0, ldc, depth, alpha, acc,
                      prefetch_offset);
            } else {
                strip(12, 1, masks, m, ak, a_row_stride, a_column_stride, bk + j0, ldb, c + j0, ldc, depth, alpha,
                      acc, prefetch_offset);
            }
        }
        k0 += depth;
    } while (k0 < k);
}

/// Rows per block of a tall product (the linear layers' N x C by C x OC): a block's 48 rows of
/// a depth chunk of A (12 KB) stay in L1 while every strip of B passes them, where whole-M
/// strips streamed all of A from L2 once per strip (1.2-1.6x slower at 4096 rows).
enum { ROW_BLOCK = 48 };
/// Longer products (the weight gradients' sum over all N rows) run unblocked: there B is the
/// tall operand, and each of its depth chunks serves every row of a short M.
enum { BLOCKED_MAX_DEPTH = 512 };

WIDE void rlhf_wide_small_gemm(long m, long n, long k, float alpha,
                               const float *a, long a_row_stride, long a_column_stride,
                               const float *b, long ldb, float *c, long ldc, int accumulate, long prefetch_offset) {
    const long block = k <= BLOCKED_MAX_DEPTH ? ROW_BLOCK : m;
    for (long i0 = 0; i0 < m; i0 += block) {
        small_gemm_rows(m - i0 < block ? m - i0 : block, n, k, alpha, a + i0 * a_row_stride, a_row_stride,
                        a_column_stride, b, ldb, c + i0 * ldc, ldc, accumulate, prefetch_offset);
    }
}

WIDE void rlhf_wide_transpose(const float *in, long rows, long cols, long ld_in, float *out, long ld_out,
                              long out_columns) {
    // Row o of `in` for lane o - o0: 16 rows gathered per column, so every store fills a line.
    const __m512i index = _mm512_mullo_epi32(
        _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0), _mm512_set1_epi32((int)ld_in));
    for (long o0 = 0; o0 < out_columns; o0 += 16) {
        const __mmask16 store = prefix(out_columns - o0 < 16 ? out_columns - o0 : 16);
        const __mmask16 load = o0 >= rows ? 0 : prefix(rows - o0 < 16 ? rows - o0 : 16);
        const float *column = in + (o0 < rows ? o0 : 0) * ld_in;
        for (long k = 0; k < cols; k++) {
            _mm512_mask_storeu_ps(out + k * ld_out + o0, store,
                                  _mm512_mask_i32gather_ps(_mm512_setzero_ps(), load, index, column + k, 4));
        }
    }
}

/// C[row..<row+rows, 0..<8] from all of K, rows <= R: one accumulator per row whose lane 2d sums
/// the even k and lane 2d+1 the odd k of output d, so every FMA does 16 useful lanes.
__attribute__((always_inline)) WIDE static inline void tile_n8(
    const int R, long rows, long k, float alpha, const float *a, long a_row_stride, const float *b_pairs,
    float *c, long ldc) {
    const float *arow[R];
    for (int r = 0; r < R; r++) arow[r] = a + (r < rows ? r : rows - 1) * a_row_stride;
    __m512 acc[R];
    for (int r = 0; r < R; r++) acc[r] = _mm512_setzero_ps();
    const long pairs = k / 2;
    for (long j = 0; j < pairs; j++) {
        const __m512 bv = _mm512_loadu_ps(b_pairs + 16 * j);
        for (int r = 0; r < R; r++) {
            // [a[2j], a[2j+1]] in every pair of lanes.
            const __m512 s = _mm512_castpd_ps(_mm512_broadcastsd_pd(_mm_load_sd((const double *)(arow[r] + 2 * j))));
            acc[r] = _mm512_fmadd_ps(bv, s, acc[r]);
        }
    }
    if (k & 1) {
        const __m512 bv = _mm512_loadu_ps(b_pairs + 16 * pairs);  // zero in the odd lanes
        for (int r = 0; r < R; r++) acc[r] = _mm512_fmadd_ps(bv, _mm512_set1_ps(arow[r][k - 1]), acc[r]);
    }
    const __m512 valpha = _mm512_set1_ps(alpha);
    for (int r = 0; r < R && r < rows; r++) {
        const __m512 sum = _mm512_mul_ps(valpha, _mm512_add_ps(acc[r], _mm512_permute_ps(acc[r], 0xB1)));
        _mm256_storeu_ps(c + r * ldc, _mm512_castps512_ps256(_mm512_maskz_compress_ps(0x5555, sum)));
    }
}

WIDE void rlhf_wide_gemm_n8(long m, long k, float alpha, const float *a, long a_row_stride,
                            const float *b_pairs, float *c, long ldc) {
    // Tiles of 12 rows: 12 independent FMA chains, 1 load of B and 12 broadcasts per 12 FMAs.
    for (long i0 = 0; i0 < m; i0 += 12) {
        tile_n8(12, m - i0 < 12 ? m - i0 : 12, k, alpha, a + i0 * a_row_stride, a_row_stride, b_pairs,
                c + i0 * ldc, ldc);
    }
}

#else

int rlhf_wide_kernels_available(void) { return 0; }
float rlhf_wide_max(const float *x, long n) { (void)x; (void)n; __builtin_trap(); }
float rlhf_wide_exp_shifted(const float *x, float *out, long n, float scale, float shift) {
    (void)x; (void)out; (void)n; (void)scale; (void)shift; __builtin_trap();
}
float rlhf_wide_exp_row(float *row, long n, long width, float *stats) {
    (void)row; (void)n; (void)width; (void)stats; __builtin_trap();
}
void rlhf_wide_softmax_recompute_row(float *row, long n, long width, float max, float inv) {
    (void)row; (void)n; (void)width; (void)max; (void)inv; __builtin_trap();
}
void rlhf_wide_softmax_backward_row(const float *p, float *dp, long n, long width) {
    (void)p; (void)dp; (void)n; (void)width; __builtin_trap();
}
void rlhf_wide_swiglu_forward(float *out, const float *gate_up, long rows, long hidden) {
    (void)out; (void)gate_up; (void)rows; (void)hidden; __builtin_trap();
}
void rlhf_wide_swiglu_backward(float *dgate_up, const float *dout, const float *gate_up, long rows, long hidden) {
    (void)dgate_up; (void)dout; (void)gate_up; (void)rows; (void)hidden; __builtin_trap();
}
void rlhf_wide_rmsnorm_forward(float *out, float *rstd, const float *inp, const float *weight, long rows, long dim,
                              float eps) {
    (void)out; (void)rstd; (void)inp; (void)weight; (void)rows; (void)dim; (void)eps; __builtin_trap();
}
void rlhf_wide_rmsnorm_backward(float *dinp, float *dweight, const float *dout, const float *inp, const float *weight,
                               const float *rstd, long rows, long dim) {
    (void)dinp; (void)dweight; (void)dout; (void)inp; (void)weight; (void)rstd; (void)rows; (void)dim; __builtin_trap();
}
void rlhf_wide_rope(float *x, long rows, long heads, long head_dim, long stride, const int *positions,
                   const float *cos_table, const float *sin_table, float sign) {
    (void)x; (void)rows; (void)heads; (void)head_dim; (void)stride; (void)positions; (void)cos_table; (void)sin_table;
    (void)sign; __builtin_trap();
}
void rlhf_wide_adamw(float *p, const float *g, float *m, float *v, long n, float lr, float beta1, float beta2,
                     float inverse_c1, float inverse_c2, float eps, float decay) {
    (void)p; (void)g; (void)m; (void)v; (void)n; (void)lr; (void)beta1; (void)beta2; (void)inverse_c1; (void)inverse_c2;
    (void)eps; (void)decay; __builtin_trap();
}
void rlhf_wide_small_gemm(long m, long n, long k, float alpha,
                          const float *a, long a_row_stride, long a_column_stride,
                          const float *b, long ldb, float *c, long ldc, int accumulate, long prefetch_offset) {
    (void)m; (void)n; (void)k; (void)alpha; (void)a; (void)a_row_stride; (void)a_column_stride;
    (void)b; (void)ldb; (void)c; (void)ldc; (void)accumulate; (void)prefetch_offset; __builtin_trap();
}

void rlhf_wide_transpose(const float *in, long rows, long cols, long ld_in, float *out, long ld_out,
                         long out_columns) {
    (void)in; (void)rows; (void)cols; (void)ld_in; (void)out; (void)ld_out; (void)out_columns; __builtin_trap();
}

void rlhf_wide_gemm_n8(long m, long k, float alpha, const float *a, long a_row_stride,
                       const float *b_pairs, float *c, long ldc) {
    (void)m; (void)k; (void)alpha; (void)a; (void)a_row_stride; (void)b_pairs; (void)c; (void)ldc; __builtin_trap();
}

#endif
