/* Float32 matrix products for glassnet inside Pyodide, in WebAssembly SIMD128.
 *
 * Why: Pyodide's NumPy has no BLAS and no SIMD, so the two big products of each training batch
 * take most of an epoch there. This file computes
 *
 *     C[M][N] = A[M][K] * B[K][N]
 *
 * where A and B are read through element strides, so A.T @ B, A @ B.T and non-contiguous NumPy
 * views need no copies on the Python side; C is row-major and contiguous.
 *
 * How (the tiling): the work is cut in three levels, so the numbers a step needs are already
 * close to the processor when it needs them.
 *   1. K is cut into slices of KC. For one slice, B is copied ("packed") into column panels
 *      8 wide: panel j holds B[k][8j .. 8j+7] for every k of the slice, one after another, so the
 *      inner loop reads B with two aligned 16-byte loads per k. Columns past N are zeros.
 *   2. M is cut into blocks of MC rows; A's block is packed into row panels 4 tall: panel i holds
 *      A[4i .. 4i+3][k] for every k, again contiguous. Rows past M are zeros. Packing is where the
 *      strides (and any transpose) are handled, once per element instead of once per use.
 *   3. The micro-kernel multiplies one 4-row panel of A by one 8-column panel of B over the slice,
 *      keeping the 4x8 block of C in eight f32x4 registers (8 accumulators, 2 B vectors and one
 *      broadcast A value fit in the 16 vector registers of x86-64 and arm64). Each k costs
 *      2 loads, 4 broadcasts and 8 multiply-adds for 32 products.
 * Results of the first K slice are stored, later slices are added. Partial tiles at the right and
 * bottom edges are computed in full on the zero padding and only their valid part is written.
 *
 * There is no libc here (the module is linked freestanding): the caller passes the scratch memory
 * for the packed panels, sized by gn_gemm_workspace().
 */

#include <wasm_simd128.h>

#define MR 4    /* rows of the register tile */
#define NR 8    /* columns of the register tile (two f32x4) */
#define KC 256  /* K slice: a packed 8-wide B panel is KC*8*4 = 8 KB, it stays in L1 */
#define MC 128  /* rows of A packed at a time: 128*KC*4 = 128 KB, in L2 */

static int round_up(int x, int to) { return (x + to - 1) / to * to; }
static int min_int(int a, int b) { return a < b ? a : b; }

/* Floats of scratch memory gn_gemm needs for these sizes. */
int gn_gemm_workspace(int m, int n, int k) {
    int kc = min_int(k, KC);
    return kc * round_up(n, NR) + round_up(min_int(m, MC), MR) * kc;
}

/* B[k0 .. k0+kc][0 .. n] into 8-wide panels, zero-padded to a multiple of 8 columns. */
static void pack_b(int kc, int n, const float *b, int rsb, int csb, float *out) {
    for (int j0 = 0; j0 < n; j0 += NR) {
        int nr = min_int(NR, n - j0);
        for (int k = 0; k < kc; k++) {
            const float *row = b + k * rsb + j0 * csb;
            int j = 0;
            for (; j < nr; j++) out[j] = row[j * csb];
            for (; j < NR; j++) out[j] = 0.0f;
            out += NR;
        }
    }
}

/* A[0 .. mc][k0 .. k0+kc] into 4-tall panels, zero-padded to a multiple of 4 rows. */
static void pack_a(int mc, int kc, const float *a, int rsa, int csa, float *out) {
    for (int i0 = 0; i0 < mc; i0 += MR) {
        int mr = min_int(MR, mc - i0);
        for (int k = 0; k < kc; k++) {
            const float *col = a + i0 * rsa + k * csa;
            int i = 0;
            for (; i < mr; i++) out[i] = col[i * rsa];
            for (; i < MR; i++) out[i] = 0.0f;
            out += MR;
        }
    }
}

/* One 4x8 tile of C from a packed A panel and a packed B panel over kc steps.
 * accumulate: add to C instead of storing. mr, nr: the valid part of the tile. */
static void micro_kernel(int kc, const float *ap, const float *bp, float *c, int ldc,
                         int mr, int nr, int accumulate) {
    v128_t c00 = wasm_f32x4_splat(0.0f), c01 = c00, c10 = c00, c11 = c00;
    v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    for (int k = 0; k < kc; k++) {
        v128_t b0 = wasm_v128_load(bp);
        v128_t b1 = wasm_v128_load(bp + 4);
        v128_t a;
        a = wasm_f32x4_splat(ap[0]);
        c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(a, b0));
        c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(a, b1));
        a = wasm_f32x4_splat(ap[1]);
        c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(a, b0));
        c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(a, b1));
        a = wasm_f32x4_splat(ap[2]);
        c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(a, b0));
        c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(a, b1));
        a = wasm_f32x4_splat(ap[3]);
        c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(a, b0));
        c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(a, b1));
        ap += MR;
        bp += NR;
    }
    if (mr == MR && nr == NR) {  /* the common case: a whole tile, straight to C */
        v128_t *rows[MR][2] = {{&c00, &c01}, {&c10, &c11}, {&c20, &c21}, {&c30, &c31}};
        for (int i = 0; i < MR; i++) {
            float *ci = c + i * ldc;
            v128_t lo = *rows[i][0], hi = *rows[i][1];
            if (accumulate) {
                lo = wasm_f32x4_add(lo, wasm_v128_load(ci));
                hi = wasm_f32x4_add(hi, wasm_v128_load(ci + 4));
            }
            wasm_v128_store(ci, lo);
            wasm_v128_store(ci + 4, hi);
        }
        return;
    }
    float tile[MR * NR];  /* an edge tile: spill, then copy the valid part */
    wasm_v128_store(tile + 0, c00);  wasm_v128_store(tile + 4, c01);
    wasm_v128_store(tile + 8, c10);  wasm_v128_store(tile + 12, c11);
    wasm_v128_store(tile + 16, c20); wasm_v128_store(tile + 20, c21);
    wasm_v128_store(tile + 24, c30); wasm_v128_store(tile + 28, c31);
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < nr; j++)
            c[i * ldc + j] = accumulate ? c[i * ldc + j] + tile[i * NR + j] : tile[i * NR + j];
}

/* C[m][n] (row-major, contiguous) = A * B, where element (i, k) of A is a[i*rsa + k*csa] and
 * element (k, j) of B is b[k*rsb + j*csb] (strides in floats, any sign). m, n, k >= 1;
 * work holds gn_gemm_workspace(m, n, k) floats. */
void gn_gemm(int m, int n, int k, const float *a, int rsa, int csa,
             const float *b, int rsb, int csb, float *c, float *work) {
    int n_padded = round_up(n, NR);
    float *bp = work;
    float *ap = work + min_int(k, KC) * n_padded;
    for (int k0 = 0; k0 < k; k0 += KC) {
        int kc = min_int(KC, k - k0);
        int accumulate = k0 > 0;
        pack_b(kc, n, b + k0 * rsb, rsb, csb, bp);
        for (int i0 = 0; i0 < m; i0 += MC) {
            int mc = min_int(MC, m - i0);
            pack_a(mc, kc, a + i0 * rsa + k0 * csa, rsa, csa, ap);
            for (int j0 = 0; j0 < n; j0 += NR) {
                const float *bpanel = bp + j0 * kc;
                for (int ii = 0; ii < mc; ii += MR) {
                    micro_kernel(kc, ap + ii * kc, bpanel, c + (i0 + ii) * n + j0, n,
                                 min_int(MR, mc - ii), min_int(NR, n - j0), accumulate);
                }
            }
        }
    }
}
