"""ctypes bindings of libcnnrt (runtime/include/cnnc/runtime.h and abi.h).

Calls through ctypes.CDLL release the GIL for their duration, so a model
runs while other Python threads go on, and several threads may run one
model at once (each with its own workspace, as the C API requires).
"""
from __future__ import annotations

import ctypes
import threading
from ctypes import (POINTER, c_char_p, c_double, c_int32, c_int64, c_uint32,
                    c_uint64, c_void_p)
from pathlib import Path

from ._errors import Error

CNNRT_OK = 0


class TensorDesc(ctypes.Structure):
    _fields_ = [("name", c_char_p), ("dtype", c_int32), ("rank", c_int32),
                ("shape", POINTER(c_int64)), ("bytes", c_int64)]


class ProfileEntry(ctypes.Structure):
    _fields_ = [("name", c_char_p), ("kernel", c_char_p),
                ("source", c_char_p), ("flops", c_uint64)]


class ModelDesc(ctypes.Structure):
    # cnnc_model_desc up to the profile entries (ABI 2 and later).
    _fields_ = [("magic", c_uint32), ("abi_version", c_uint32),
                ("desc_size", c_uint64), ("name", c_char_p),
                ("target_cpu", c_char_p), ("cpu_features", c_char_p),
                ("num_inputs", c_int32), ("num_outputs", c_int32),
                ("inputs", c_void_p), ("outputs", c_void_p),
                ("workspace_bytes", c_uint64), ("weights_file", c_char_p),
                ("weights_bytes", c_uint64), ("weights_hash", c_uint64),
                ("flops", c_uint64), ("run", c_void_p),
                ("num_profile_entries", c_int32),
                ("profile_entries", POINTER(ProfileEntry))]


class Buffer(ctypes.Structure):
    """cnnrt_input and cnnrt_output: a pointer and a byte size."""
    _fields_ = [("data", c_void_p), ("bytes", c_uint64)]


_libs: dict = {}
_lock = threading.Lock()


def library(path: Path) -> ctypes.CDLL:
    """libcnnrt at `path`, loaded once, its functions typed."""
    key = str(path)
    with _lock:
        lib = _libs.get(key)
        if lib is not None:
            return lib
        try:
            lib = ctypes.CDLL(key)
        except OSError as e:
            raise Error(f"cnnc: cannot load the runtime {key}: {e}") from None
        m, st = c_void_p, c_int32
        sig = {
            "cnnrt_last_error": (c_char_p, []),
            "cnnrt_status_name": (c_char_p, [st]),
            "cnnrt_load": (st, [c_char_p, POINTER(c_void_p)]),
            "cnnrt_unload": (None, [m]),
            "cnnrt_verify_weights": (st, [m]),
            "cnnrt_model_desc": (POINTER(ModelDesc), [m]),
            "cnnrt_model_name": (c_char_p, [m]),
            "cnnrt_model_target_cpu": (c_char_p, [m]),
            "cnnrt_model_device": (c_char_p, [m]),
            "cnnrt_num_inputs": (c_int32, [m]),
            "cnnrt_num_outputs": (c_int32, [m]),
            "cnnrt_input_desc": (POINTER(TensorDesc), [m, c_int32]),
            "cnnrt_output_desc": (POINTER(TensorDesc), [m, c_int32]),
            "cnnrt_workspace_bytes": (c_uint64, [m]),
            "cnnrt_model_flops": (c_uint64, [m]),
            "cnnrt_workspace_alloc": (st, [m, POINTER(c_void_p)]),
            "cnnrt_workspace_free": (None, [c_void_p]),
            "cnnrt_pool_create": (st, [c_int32, POINTER(c_void_p)]),
            "cnnrt_pool_destroy": (None, [c_void_p]),
            "cnnrt_pool_threads": (c_int32, [c_void_p]),
            "cnnrt_run": (st, [m, POINTER(Buffer), c_int32, POINTER(Buffer),
                               c_int32, c_void_p, c_uint64, c_void_p]),
            "cnnrt_run_profiled": (st, [m, POINTER(Buffer), c_int32,
                                        POINTER(Buffer), c_int32, c_void_p,
                                        c_uint64, c_void_p,
                                        POINTER(c_double)]),
        }
        for name, (res, args) in sig.items():
            fn = getattr(lib, name)
            fn.restype = res
            fn.argtypes = args
        _libs[key] = lib
        return lib


def check(lib: ctypes.CDLL, status: int, what: str) -> None:
    """Raises cnnc.Error with the runtime's message when `status` failed."""
    if status != CNNRT_OK:
        msg = lib.cnnrt_last_error().decode(errors="replace")
        name = lib.cnnrt_status_name(status).decode()
        raise Error(f"{what}: {msg} [{name}]" if msg else f"{what}: {name}")
