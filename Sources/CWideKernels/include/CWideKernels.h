// AVX-512 versions of the kernels that do not go through BLAS (the softmax rows of attention and
// of the vocabulary, SwiGLU, SmallGemm, the transposes of its weights and of attention's heads,
// attention's products by a head of 8): 16 lanes instead of SIMD8's 8, and masked loads for the
// edges. They are in C because Swift lowers SIMD16<Float> to four 128-bit operations in an
// out-of-line call.
// Each is compiled for AVX-512F alone; call them only when rlhf_wide_kernels_available() is 1.
#ifndef RLHF_CWIDEKERNELS_H
#define RLHF_CWIDEKERNELS_H

/// 1 when this CPU and OS run AVX-512F instructions and the environment does not set
/// RLHF_WIDE_KERNELS=0 (which keeps the SIMD8 kernels, for comparison), else 0.
int rlhf_wide_kernels_available(void);

/// The maximum of x[0..<n], n >= 1.
float rlhf_wide_max(const float *x, long n);

/// out[i] = exp(scale * x[i] - shift) for i < n, with exp8's polynomial (fused); returns the sum of out.
/// out may be x.
float rlhf_wide_exp_shifted(const float *x, float *out, long n, float scale, float shift);

/// Attention's softmax of one row of scores in place, unnormalised: row[0..<n] = exp(row[j] -
/// max), n >= 1, and row[n..<width] = 0 (the masked entries within the diagonal block); returns
/// inv, the reciprocal of their sum. Unless stats is NULL, stats[0] = max and stats[1] = inv.
float rlhf_wide_exp_row(float *row, long n, long width, float *stats);

/// The normalised softmax of the same scores from the maximum and reciprocal sum that
/// rlhf_wide_exp_row recorded: row[j] = (what rlhf_wide_exp_row computed) * inv, bit for bit
/// (attention's backward recomputes the probabilities).
void rlhf_wide_softmax_recompute_row(float *row, long n, long width, float max, float inv);

/// Its backward, in place over dp: ds[j] = p[j] * (dp[j] - sum_i p[i] dp[i]) for j < n, and
/// ds[n..<width] = 0.
void rlhf_wide_softmax_backward_row(const float *p, float *dp, long n, long width);

/// SwiGLU.forward on 16 lanes: out[N, F] = silu(gu[N, 0..<F]) * gu[N, F..<2F].
void rlhf_wide_swiglu_forward(float *out, const float *gate_up, long rows, long hidden);

/// SwiGLU.backward on 16 lanes: dgu[N, 2F] given dout[N, F] and gu[N, 2F].
void rlhf_wide_swiglu_backward(float *dgate_up, const float *dout, const float *gate_up, long rows, long hidden);

/// RMSNorm.forward on 16 lanes: out[N, C] = inp * rstd * weight, rstd[N] = 1 / sqrt(mean(inp^2) + eps).
void rlhf_wide_rmsnorm_forward(float *out, float *rstd, const float *inp, const float *weight, long rows, long dim,
                               float eps);

/// RMSNorm.backward on 16 lanes: dinp[N, C] += rstd g - inp rstd^3 mean(g inp) with g = weight dout;
/// dweight[C] += sum over rows of dout inp rstd.
void rlhf_wide_rmsnorm_backward(float *dinp, float *dweight, const float *dout, const float *inp, const float *weight,
                                const float *rstd, long rows, long dim);

/// RoPE.apply on 16 lanes: each head of x[N, heads * head_dim] (rows `stride` floats apart)
/// rotated in place by row n's position, element i with i + head_dim/2, by sign x the angle of
/// the tables [position, head_dim/2].
void rlhf_wide_rope(float *x, long rows, long heads, long head_dim, long stride, const int *positions,
                    const float *cos_table, const float *sin_table, float sign);

/// AdamW.update's loop on 16 lanes, one range of the parameters: m = beta1 m + (1 - beta1) g,
/// v = beta2 v + (1 - beta2) g^2, p -= lr ((m inverse_c1) / (sqrt(v inverse_c2) + eps) + decay p).
void rlhf_wide_adamw(float *p, const float *g, float *m, float *v, long n, float lr, float beta1, float beta2,
                     float inverse_c1, float inverse_c2, float eps, float decay);

/// SmallGemm.multiply on 16 lanes, the same contract:
/// C[M, N] = alpha * A[M, K] B[K, N] (+ C when accumulate), A[i, k] = a[i * a_row_stride +
/// k * a_column_stride], B[k, j] = b[k * ldb + j], C[i, j] = c[i * ldc + j]; while reading row k
/// of B, asks for the floats prefetch_offset further on (0: none).
void rlhf_wide_small_gemm(long m, long n, long k, float alpha,
                          const float *a, long a_row_stride, long a_column_stride,
                          const float *b, long ldb, float *c, long ldc, int accumulate, long prefetch_offset);

/// out[k * ld_out + o] = in[o * ld_in + k] for o < rows, k < cols: the transpose of a rows x cols
/// matrix whose rows are ld_in floats apart, its rows ld_out floats apart; each output row gets
/// out_columns >= rows floats, zeros past rows; ld_in * 15 must fit an int. For the weights on
/// SmallGemm and attention's head blocks (Transpose.swift).
void rlhf_wide_transpose(const float *in, long rows, long cols, long ld_in, float *out, long ld_out,
                         long out_columns);

/// C[M, 8] = alpha * A[M, K] B[K, 8] for a head dim of 8, where SmallGemm's vectors would be half
/// empty: A[i, k] = a[i * a_row_stride + k]; b_pairs holds B as (K + 1) / 2 rows of 16 floats,
/// row j interleaving rows 2j and 2j + 1 of B lane by lane ([B[2j, 0], B[2j+1, 0], B[2j, 1], ...]),
/// with zeros for B[K, *] when K is odd; C[i, d] = c[i * ldc + d].
void rlhf_wide_gemm_n8(long m, long k, float alpha, const float *a, long a_row_stride,
                       const float *b_pairs, float *c, long ldc);

#endif
