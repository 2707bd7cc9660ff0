"""The WebAssembly SIMD kernel (``kernel/*.c`` in the repository), called through ctypes.

Inside Pyodide, NumPy has no BLAS and no SIMD; this side module does the float32 products and the
fused Adam update 4 floats at a time. The build compiles it and puts ``glassnet_kernel.wasm`` into
the wheel next to this file; Pyodide's dynamic loader (``ctypes.CDLL``) links it into the running
interpreter, and NumPy arrays are passed by address, without copies.

Natively there is nothing to load (the file is WebAssembly), so ``load`` raises ``OSError`` there,
as it does when the file is missing or the browser has no WebAssembly SIMD (the module then fails
to compile): ``backend.py`` catches that and keeps NumPy.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import numpy as np

LIBRARY = Path(__file__).with_name("glassnet_kernel.wasm")

_F32 = np.dtype(np.float32)
_int, _ptr, _float = ctypes.c_int, ctypes.c_void_p, ctypes.c_float


class Kernel:
    """The loaded module; one per interpreter (it keeps one growing scratch buffer)."""

    def __init__(self, path: Path | str = LIBRARY) -> None:
        path = Path(path)
        if not path.is_file():
            raise OSError(f"{path} is not there (the site was built without clang and wasm-ld)")
        lib = ctypes.CDLL(str(path))
        lib.gn_gemm_workspace.argtypes = [_int, _int, _int]
        lib.gn_gemm_workspace.restype = _int
        lib.gn_gemm.argtypes = [_int, _int, _int, _ptr, _int, _int, _ptr, _int, _int, _ptr, _ptr]
        lib.gn_gemm.restype = None
        lib.gn_adam.argtypes = [_int, _ptr, _ptr, _ptr, _ptr] + [_float] * 7
        lib.gn_adam.restype = None
        self._lib = lib
        self._work = np.empty(0, dtype=np.float32)

    def gemm(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """a @ b for 2-D float32 arrays with any strides (transposed views, slices): no copies.

        Other dtypes and arrays whose strides are not whole floats are refused with ValueError,
        so a caller never gets a silently converted result.
        """
        (m, k), (k2, n) = _shape2(a, "a"), _shape2(b, "b")
        if k != k2:
            raise ValueError(f"shapes {a.shape} and {b.shape} do not fit for a product")
        rsa, csa = _float_strides(a, "a")
        rsb, csb = _float_strides(b, "b")
        out = np.empty((m, n), dtype=np.float32)
        if m == 0 or n == 0:
            return out
        if k == 0:
            out[...] = 0
            return out
        need = self._lib.gn_gemm_workspace(m, n, k)
        if self._work.size < need:
            self._work = np.empty(need, dtype=np.float32)
        self._lib.gn_gemm(m, n, k, a.ctypes.data, rsa, csa, b.ctypes.data, rsb, csb,
                          out.ctypes.data, self._work.ctypes.data)
        return out

    def adam(self, p: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, beta1: float,
             beta2: float, decay: float, step: float, eps: float) -> None:
        """One Adam(W) step in place, exactly as glassnet.optim.Adam computes it in float32.

        decay is lr * weight_decay (0 for none); step and eps include the bias corrections.
        All four arrays must be C-contiguous float32 of one shape (ValueError otherwise).
        """
        for name, arr in (("p", p), ("g", g), ("m", m), ("v", v)):
            if arr.dtype != _F32 or not arr.flags.c_contiguous or arr.shape != p.shape:
                raise ValueError(f"fused Adam needs C-contiguous float32 arrays of one shape; "
                                 f"{name} is {arr.dtype} {arr.shape}")
        if not (p.flags.writeable and m.flags.writeable and v.flags.writeable):
            raise ValueError("fused Adam updates p, m and v in place: they must be writeable")
        f = np.float32
        self._lib.gn_adam(p.size, p.ctypes.data, g.ctypes.data, m.ctypes.data, v.ctypes.data,
                          f(beta1), f(1 - beta1), f(beta2), f(1 - beta2), f(decay), f(step), f(eps))


def _shape2(arr: np.ndarray, name: str) -> tuple[int, int]:
    if not isinstance(arr, np.ndarray) or arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D NumPy array, got {getattr(arr, 'shape', type(arr))}")
    if arr.dtype != _F32:
        raise ValueError(f"the kernel multiplies float32 only; {name} is {arr.dtype}")
    return arr.shape


def _float_strides(arr: np.ndarray, name: str) -> tuple[int, int]:
    rs, cs = arr.strides
    if rs % 4 or cs % 4:
        raise ValueError(f"{name}'s strides {arr.strides} are not whole float32 steps; "
                         "pass np.ascontiguousarray of it")
    return rs // 4, cs // 4
