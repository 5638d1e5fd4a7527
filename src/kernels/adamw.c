/*
 * One AdamW update of one (stacked) variable in a single pass, with the SAME bits as the chain of tfjs ops in
 * src/train/optimizer.ts (AdamW.apply), which on the wasm backend runs about 25 kernels a variable, each a pass
 * over memory and a dispatch from JavaScript.
 *
 * Per element of group k (the variable is [groups, per], axis 0 the adapter; an unstacked variable is one group):
 *   g    = g0 * coef[k]
 *   m'   = m * beta1 + g * omb1                       (omb1 = float(1 - beta1), as tfjs makes the scalar)
 *   v'   = v * beta2 + (g * g) * omb2
 *   upd  = (m' / bc1) / (sqrt(v' / bc2) + eps)
 *   p'   = (use_decay ? p * decay : p) - upd * lr
 *   with an active mask: keep = 1 - a[k];  p' = p' * a + p * keep;  m' = m' * a + m * keep;  v' = v' * a + v * keep
 * Every tfjs op there is elementwise and IEEE float32 (mul, add, sub, div, sqrt: each correctly rounded, and wasm
 * SIMD128 has no fused multiply-add; this file is built with -ffp-contract=off and no fast-math), so doing the same
 * operations in the same order per element, four lanes at a time, gives the same bits, -0, NaN and Inf included.
 *
 * Pointers are byte offsets into the tfjs wasm backend's memory (see matmul.c); the outputs are fresh buffers.
 */
#include <wasm_simd128.h>

typedef unsigned int u32;

__attribute__((export_name("adamw"))) void adamw(const float *p, const float *m, const float *v, const float *g0,
                                                 const float *coef, const float *active, float *po, float *mo,
                                                 float *vo, u32 groups, u32 per, float beta1, float omb1,
                                                 float beta2, float omb2, float bc1, float bc2, float eps, float lr,
                                                 float decay, u32 use_decay, u32 has_active) {
  const v128_t B1 = wasm_f32x4_splat(beta1), O1 = wasm_f32x4_splat(omb1);
  const v128_t B2 = wasm_f32x4_splat(beta2), O2 = wasm_f32x4_splat(omb2);
  const v128_t C1 = wasm_f32x4_splat(bc1), C2 = wasm_f32x4_splat(bc2);
  const v128_t E = wasm_f32x4_splat(eps), L = wasm_f32x4_splat(lr), D = wasm_f32x4_splat(decay);
  for (u32 k = 0; k < groups; ++k) {
    const float c = coef[k];
    const float a = has_active ? active[k] : 1.0f;
    const float keep = 1.0f - a;
    const v128_t Cv = wasm_f32x4_splat(c), A = wasm_f32x4_splat(a), K = wasm_f32x4_splat(keep);
    const u32 base = k * per;
    u32 i = 0;
    for (; i + 4u <= per; i += 4u) {
      const u32 at = base + i;
      const v128_t P = wasm_v128_load(p + at), M = wasm_v128_load(m + at), V = wasm_v128_load(v + at);
      const v128_t g = wasm_f32x4_mul(wasm_v128_load(g0 + at), Cv);
      v128_t mn = wasm_f32x4_add(wasm_f32x4_mul(M, B1), wasm_f32x4_mul(g, O1));
      v128_t vn = wasm_f32x4_add(wasm_f32x4_mul(V, B2), wasm_f32x4_mul(wasm_f32x4_mul(g, g), O2));
      const v128_t upd = wasm_f32x4_div(wasm_f32x4_div(mn, C1),
                                        wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vn, C2)), E));
      v128_t pn = wasm_f32x4_sub(use_decay ? wasm_f32x4_mul(P, D) : P, wasm_f32x4_mul(upd, L));
      if (has_active) {
        pn = wasm_f32x4_add(wasm_f32x4_mul(pn, A), wasm_f32x4_mul(P, K));
        mn = wasm_f32x4_add(wasm_f32x4_mul(mn, A), wasm_f32x4_mul(M, K));
        vn = wasm_f32x4_add(wasm_f32x4_mul(vn, A), wasm_f32x4_mul(V, K));
      }
      wasm_v128_store(po + at, pn);
      wasm_v128_store(mo + at, mn);
      wasm_v128_store(vo + at, vn);
    }
    for (; i < per; ++i) {
      const u32 at = base + i;
      const float P = p[at], M = m[at], V = v[at];
      const float g = g0[at] * c;
      float mn = M * beta1 + g * omb1;
      float vn = V * beta2 + (g * g) * omb2;
      const float upd = (mn / bc1) / (__builtin_sqrtf(vn / bc2) + eps);
      float pn = (use_decay ? P * decay : P) - upd * lr;
      if (has_active) {
        pn = pn * a + P * keep;
        mn = mn * a + M * keep;
        vn = vn * a + V * keep;
      }
      po[at] = pn;
      mo[at] = mn;
      vo[at] = vn;
    }
  }
}
