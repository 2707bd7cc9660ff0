/* The fused Adam / AdamW update for glassnet inside Pyodide, in WebAssembly SIMD128.
 *
 * Why: once the products are fast, NumPy's Adam (seven whole-array passes, each with its own
 * temporary) is a third of an epoch in Pyodide. Here each element is read and written once.
 *
 * The arithmetic is exactly glassnet.optim.Adam's, operation by operation in float32 (no fused
 * multiply-add: the build passes -ffp-contract=off), so the weights match NumPy bit for bit:
 *     m = m*beta1 + (1-beta1)*g
 *     v = v*beta2 + (1-beta2)*(g*g)
 *     p = p - decay*p                      (AdamW's decoupled weight decay; skipped when 0)
 *     p = p - (step*m) / (sqrt(v) + eps)   (step and eps carry the bias corrections)
 */

#include <wasm_simd128.h>

static float adam_one(float *p, float g, float *m, float *v, float b1, float one_b1, float b2,
                      float one_b2, float decay, float step, float eps) {
    float mi = *m * b1 + one_b1 * g;
    float vi = *v * b2 + one_b2 * (g * g);
    float pi = *p;
    *m = mi;
    *v = vi;
    if (decay != 0.0f) pi = pi - decay * pi;
    return pi - (step * mi) / (__builtin_sqrtf(vi) + eps);
}

/* Update n parameters p in place from gradients g and moments m, v. one_b1 = 1 - beta1 and
 * one_b2 = 1 - beta2 are passed as the caller rounds them (float32 of the float64 difference). */
void gn_adam(int n, float *p, const float *g, float *m, float *v, float b1, float one_b1,
             float b2, float one_b2, float decay, float step, float eps) {
    v128_t vb1 = wasm_f32x4_splat(b1), vob1 = wasm_f32x4_splat(one_b1);
    v128_t vb2 = wasm_f32x4_splat(b2), vob2 = wasm_f32x4_splat(one_b2);
    v128_t vdecay = wasm_f32x4_splat(decay), vstep = wasm_f32x4_splat(step);
    v128_t veps = wasm_f32x4_splat(eps);
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        v128_t gi = wasm_v128_load(g + i);
        v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), vb1),
                                   wasm_f32x4_mul(vob1, gi));
        v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), vb2),
                                   wasm_f32x4_mul(vob2, wasm_f32x4_mul(gi, gi)));
        v128_t pi = wasm_v128_load(p + i);
        if (decay != 0.0f) pi = wasm_f32x4_sub(pi, wasm_f32x4_mul(vdecay, pi));
        pi = wasm_f32x4_sub(pi, wasm_f32x4_div(wasm_f32x4_mul(vstep, mi),
                                               wasm_f32x4_add(wasm_f32x4_sqrt(vi), veps)));
        wasm_v128_store(m + i, mi);
        wasm_v128_store(v + i, vi);
        wasm_v128_store(p + i, pi);
    }
    for (; i < n; i++)
        p[i] = adam_one(p + i, g[i], m + i, v + i, b1, one_b1, b2, one_b2, decay, step, eps);
}
