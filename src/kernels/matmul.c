/*
 * SIMD128 batched matmul with the SAME bits as tfjs-backend-wasm 4.22.0's `slow_batch_matmul`
 * (tfjs-backend-wasm/src/cc/batch_mat_mul_impl.cc, the path of every BatchMatMul / _FusedMatMul that is
 * transposed or has a batch > 1; the untransposed batch-1 product goes to XNNPACK and is not handled here).
 *
 * What tfjs computes, per output element out[bb, i, j] (out zero-filled first):
 *   for each k-block [k0, min(k0 + 48, K)) in increasing k0:
 *     float sum = 0.0;  for k in the block, in increasing k: sum += a[i, k] * b[k, j];
 *     out = max(min(out + sum + bias_val, hi), lo)     (std::min / std::max, left to right)
 *   bias_val = bias[min(i * N + j, bias_size - 1)] (0 without bias), added (and clamped) once per k-block;
 *   a's batch is bb % a_batches, b's is bb % b_batches.
 * Every output element's operations depend only on that element, so computing 4 neighbouring j at once with
 * f32x4 (mul then add: wasm SIMD128 has no fused multiply-add, and this file is built with -ffp-contract=off and
 * no fast-math) in the same k order gives the same bits. The clamp uses pmin/pmax, which are defined exactly as
 * std::min/std::max: pmin(x, hi) = hi < x ? hi : x and pmax(y, lo) = y < lo ? lo : y (NaN and -0 alike).
 *
 * Layouts: a[i, k] = a[i * a_si + k * a_sk] inside a batch of a_bstride floats (transposeA: a_si = 1, a_sk = M);
 * b is [Bb, K, N], row-major (the caller makes an explicit copy of a transposed b). All pointers are byte offsets
 * into the tfjs wasm backend's own memory, which this module imports: it has no data, no stack, no libc.
 */
#include <wasm_simd128.h>

#define KBLOCK 48u

typedef unsigned int u32;

static inline v128_t clamp4(v128_t x, v128_t lo, v128_t hi) {
  return wasm_f32x4_pmax(wasm_f32x4_pmin(x, hi), lo);
}

static inline float clamp1(float x, float lo, float hi) {
  const float y = hi < x ? hi : x; /* std::min(x, hi) */
  return y < lo ? lo : y;          /* std::max(y, lo) */
}

static inline u32 bias_index(u32 idx, u32 bias_size) {
  return idx < bias_size - 1u ? idx : bias_size - 1u;
}

/* bias for outputs idx .. idx + 3 of one row-major [M, N] matrix (tfjs's 1-D broadcast: clamped index) */
static inline v128_t bias4(const float *bias, u32 bias_size, u32 idx) {
  if (bias_size == 0u) return wasm_f32x4_splat(0.0f);
  if (idx + 3u < bias_size) return wasm_v128_load(bias + idx);
  return wasm_f32x4_make(bias[bias_index(idx, bias_size)], bias[bias_index(idx + 1u, bias_size)],
                         bias[bias_index(idx + 2u, bias_size)], bias[bias_index(idx + 3u, bias_size)]);
}

static inline float bias1(const float *bias, u32 bias_size, u32 idx) {
  return bias_size == 0u ? 0.0f : bias[bias_index(idx, bias_size)];
}

/* one k-block's epilogue for 4 outputs at o (first block: out is still 0, as after tfjs's zero fill) */
static inline void finish4(float *o, v128_t sum, const float *bias, u32 bias_size, u32 idx, int first, v128_t lo,
                           v128_t hi) {
  const v128_t cur = first ? wasm_f32x4_splat(0.0f) : wasm_v128_load(o);
  wasm_v128_store(o, clamp4(wasm_f32x4_add(wasm_f32x4_add(cur, sum), bias4(bias, bias_size, idx)), lo, hi));
}

/* rows i .. i + 3, columns j .. j + 7 */
static void tile4x8(const float *A, u32 a_si, u32 a_sk, const float *B, float *O, u32 i, u32 j, u32 K, u32 N,
                    const float *bias, u32 bias_size, v128_t lo, v128_t hi) {
  const float *a0 = A + i * a_si;
  const float *a1 = a0 + a_si;
  const float *a2 = a1 + a_si;
  const float *a3 = a2 + a_si;
  float *o0 = O + i * N + j;
  float *o1 = o0 + N;
  float *o2 = o1 + N;
  float *o3 = o2 + N;
  const u32 idx0 = i * N + j;
  for (u32 k0 = 0; k0 < K; k0 += KBLOCK) {
    const u32 k1 = k0 + KBLOCK < K ? k0 + KBLOCK : K;
    v128_t s00 = wasm_f32x4_splat(0.0f), s01 = s00, s10 = s00, s11 = s00;
    v128_t s20 = s00, s21 = s00, s30 = s00, s31 = s00;
    for (u32 k = k0; k < k1; ++k) {
      const float *bk = B + k * N + j;
      const v128_t b0 = wasm_v128_load(bk);
      const v128_t b1 = wasm_v128_load(bk + 4);
      const u32 ak = k * a_sk;
      v128_t x = wasm_f32x4_splat(a0[ak]);
      s00 = wasm_f32x4_add(s00, wasm_f32x4_mul(x, b0));
      s01 = wasm_f32x4_add(s01, wasm_f32x4_mul(x, b1));
      x = wasm_f32x4_splat(a1[ak]);
      s10 = wasm_f32x4_add(s10, wasm_f32x4_mul(x, b0));
      s11 = wasm_f32x4_add(s11, wasm_f32x4_mul(x, b1));
      x = wasm_f32x4_splat(a2[ak]);
      s20 = wasm_f32x4_add(s20, wasm_f32x4_mul(x, b0));
      s21 = wasm_f32x4_add(s21, wasm_f32x4_mul(x, b1));
      x = wasm_f32x4_splat(a3[ak]);
      s30 = wasm_f32x4_add(s30, wasm_f32x4_mul(x, b0));
      s31 = wasm_f32x4_add(s31, wasm_f32x4_mul(x, b1));
    }
    const int first = k0 == 0;
    finish4(o0, s00, bias, bias_size, idx0, first, lo, hi);
    finish4(o0 + 4, s01, bias, bias_size, idx0 + 4u, first, lo, hi);
    finish4(o1, s10, bias, bias_size, idx0 + N, first, lo, hi);
    finish4(o1 + 4, s11, bias, bias_size, idx0 + N + 4u, first, lo, hi);
    finish4(o2, s20, bias, bias_size, idx0 + 2u * N, first, lo, hi);
    finish4(o2 + 4, s21, bias, bias_size, idx0 + 2u * N + 4u, first, lo, hi);
    finish4(o3, s30, bias, bias_size, idx0 + 3u * N, first, lo, hi);
    finish4(o3 + 4, s31, bias, bias_size, idx0 + 3u * N + 4u, first, lo, hi);
  }
}

/* row i, columns j .. j + 7 */
static void tile1x8(const float *A, u32 a_si, u32 a_sk, const float *B, float *O, u32 i, u32 j, u32 K, u32 N,
                    const float *bias, u32 bias_size, v128_t lo, v128_t hi) {
  const float *a0 = A + i * a_si;
  float *o0 = O + i * N + j;
  const u32 idx0 = i * N + j;
  for (u32 k0 = 0; k0 < K; k0 += KBLOCK) {
    const u32 k1 = k0 + KBLOCK < K ? k0 + KBLOCK : K;
    v128_t s00 = wasm_f32x4_splat(0.0f), s01 = s00;
    for (u32 k = k0; k < k1; ++k) {
      const float *bk = B + k * N + j;
      const v128_t x = wasm_f32x4_splat(a0[k * a_sk]);
      s00 = wasm_f32x4_add(s00, wasm_f32x4_mul(x, wasm_v128_load(bk)));
      s01 = wasm_f32x4_add(s01, wasm_f32x4_mul(x, wasm_v128_load(bk + 4)));
    }
    const int first = k0 == 0;
    finish4(o0, s00, bias, bias_size, idx0, first, lo, hi);
    finish4(o0 + 4, s01, bias, bias_size, idx0 + 4u, first, lo, hi);
  }
}

/* row i, columns j .. j + 3 */
static void tile1x4(const float *A, u32 a_si, u32 a_sk, const float *B, float *O, u32 i, u32 j, u32 K, u32 N,
                    const float *bias, u32 bias_size, v128_t lo, v128_t hi) {
  const float *a0 = A + i * a_si;
  float *o0 = O + i * N + j;
  for (u32 k0 = 0; k0 < K; k0 += KBLOCK) {
    const u32 k1 = k0 + KBLOCK < K ? k0 + KBLOCK : K;
    v128_t s = wasm_f32x4_splat(0.0f);
    for (u32 k = k0; k < k1; ++k) {
      s = wasm_f32x4_add(s, wasm_f32x4_mul(wasm_f32x4_splat(a0[k * a_sk]), wasm_v128_load(B + k * N + j)));
    }
    finish4(o0, s, bias, bias_size, i * N + j, k0 == 0, lo, hi);
  }
}

/* row i, column j, scalar (the same operations as tfjs's loop body) */
static void tile1x1(const float *A, u32 a_si, u32 a_sk, const float *B, float *O, u32 i, u32 j, u32 K, u32 N,
                    const float *bias, u32 bias_size, float lo, float hi) {
  const float *a0 = A + i * a_si;
  float out = 0.0f;
  const float bv = bias1(bias, bias_size, i * N + j);
  for (u32 k0 = 0; k0 < K; k0 += KBLOCK) {
    const u32 k1 = k0 + KBLOCK < K ? k0 + KBLOCK : K;
    float sum = 0.0f;
    for (u32 k = k0; k < k1; ++k) sum += a0[k * a_sk] * B[k * N + j];
    out = clamp1(out + sum + bv, lo, hi);
  }
  O[i * N + j] = out;
}

/*
 * out [batch, M, N] = clamp-per-block(a [a_batches, ·, ·] · b [b_batches, K, N] + bias), as tfjs's slow path.
 * transpose_a: a's matrices are [K, M] (else [M, K]). bias_size 0: no bias. lo/hi: the fused clamp
 * (-inf/inf for none, 0/inf relu, 0/6 relu6).
 */
__attribute__((export_name("batch_matmul"))) void batch_matmul(const float *a, const float *b, float *out,
                                                               const float *bias, u32 a_batches, u32 b_batches,
                                                               u32 batch, u32 M, u32 K, u32 N, u32 transpose_a,
                                                               u32 bias_size, float lo, float hi) {
  const u32 a_si = transpose_a ? 1u : K;
  const u32 a_sk = transpose_a ? M : 1u;
  const v128_t vlo = wasm_f32x4_splat(lo);
  const v128_t vhi = wasm_f32x4_splat(hi);
  for (u32 bb = 0; bb < batch; ++bb) {
    const float *A = a + (bb % a_batches) * M * K;
    const float *B = b + (bb % b_batches) * K * N;
    float *O = out + bb * M * N;
    if (K == 0u) {
      /* no k-block: tfjs's zero fill is the answer (no bias, no clamp) */
      for (u32 t = 0; t < M * N; ++t) O[t] = 0.0f;
      continue;
    }
    u32 i = 0;
    for (; i + 4u <= M; i += 4u) {
      u32 j = 0;
      for (; j + 8u <= N; j += 8u) tile4x8(A, a_si, a_sk, B, O, i, j, K, N, bias, bias_size, vlo, vhi);
      for (u32 r = i; r < i + 4u; ++r) {
        u32 jj = j;
        for (; jj + 4u <= N; jj += 4u) tile1x4(A, a_si, a_sk, B, O, r, jj, K, N, bias, bias_size, vlo, vhi);
        for (; jj < N; ++jj) tile1x1(A, a_si, a_sk, B, O, r, jj, K, N, bias, bias_size, lo, hi);
      }
    }
    for (; i < M; ++i) {
      u32 j = 0;
      for (; j + 8u <= N; j += 8u) tile1x8(A, a_si, a_sk, B, O, i, j, K, N, bias, bias_size, vlo, vhi);
      for (; j + 4u <= N; j += 4u) tile1x4(A, a_si, a_sk, B, O, i, j, K, N, bias, bias_size, vlo, vhi);
      for (; j < N; ++j) tile1x1(A, a_si, a_sk, B, O, i, j, K, N, bias, bias_size, lo, hi);
    }
  }
}

/*
 * dst [batch, cols, rows] = src [batch, rows, cols] with the last two axes swapped, for 4-byte elements (a copy of
 * bits: float32 or int32). tfjs-wasm's Transpose walks the output with one scalar load per element; this moves 4×4
 * blocks through SIMD registers.
 */
__attribute__((export_name("transpose_last"))) void transpose_last(const u32 *src, u32 *dst, u32 batch, u32 rows,
                                                                   u32 cols) {
  for (u32 bb = 0; bb < batch; ++bb) {
    const u32 *S = src + bb * rows * cols;
    u32 *D = dst + bb * rows * cols;
    u32 r = 0;
    for (; r + 4u <= rows; r += 4u) {
      u32 c = 0;
      for (; c + 4u <= cols; c += 4u) {
        const v128_t x0 = wasm_v128_load(S + r * cols + c);
        const v128_t x1 = wasm_v128_load(S + (r + 1u) * cols + c);
        const v128_t x2 = wasm_v128_load(S + (r + 2u) * cols + c);
        const v128_t x3 = wasm_v128_load(S + (r + 3u) * cols + c);
        const v128_t t0 = wasm_i32x4_shuffle(x0, x1, 0, 4, 1, 5); /* x0[0] x1[0] x0[1] x1[1] */
        const v128_t t1 = wasm_i32x4_shuffle(x2, x3, 0, 4, 1, 5);
        const v128_t t2 = wasm_i32x4_shuffle(x0, x1, 2, 6, 3, 7);
        const v128_t t3 = wasm_i32x4_shuffle(x2, x3, 2, 6, 3, 7);
        wasm_v128_store(D + c * rows + r, wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5));
        wasm_v128_store(D + (c + 1u) * rows + r, wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7));
        wasm_v128_store(D + (c + 2u) * rows + r, wasm_i32x4_shuffle(t2, t3, 0, 1, 4, 5));
        wasm_v128_store(D + (c + 3u) * rows + r, wasm_i32x4_shuffle(t2, t3, 2, 3, 6, 7));
      }
      for (; c < cols; ++c) {
        for (u32 q = r; q < r + 4u; ++q) D[c * rows + q] = S[q * cols + c];
      }
    }
    for (; r < rows; ++r) {
      for (u32 c = 0; c < cols; ++c) D[c * rows + r] = S[r * cols + c];
    }
  }
}
