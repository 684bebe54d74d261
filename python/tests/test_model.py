"""cnnc.compile, cnnc.load and running a cnnc.Model, against the reference
interpreter; every misuse gives a cnnc.Error that says what is wrong."""
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import cnnc
from conftest import LENET, TWO_HEADS, assert_close, build_dir, interpret


def two_inputs(rng):
    return (rng.uniform(-1, 1, (1, 3, 8, 8)).astype(np.float32),
            rng.uniform(-1, 1, (1, 4, 8, 8)).astype(np.float32))


def test_lenet_matches_interpreter(lenet, rng, tmp_path):
    x = rng.uniform(-1, 1, (1, 1, 32, 32)).astype(np.float32)
    y = lenet(x)
    assert isinstance(y, np.ndarray) and y.shape == (1, 10)
    assert_close(y, interpret(LENET, {"x": x}, tmp_path)["fc3"])


def test_tensor_infos(two_heads, lenet):
    assert [(t.name, t.shape, t.dtype) for t in two_heads.inputs] == [
        ("image", (1, 3, 8, 8), np.float32),
        ("skip", (1, 4, 8, 8), np.float32)]
    assert [(t.name, t.shape) for t in two_heads.outputs] == [
        ("sum", (1, 4, 8, 8)), ("flat", (1, 4))]
    assert lenet.inputs[0].name == "x" and lenet.outputs[0].shape == (1, 10)
    assert lenet.name == "lenet5" and lenet.device == "cpu"
    # 2 FLOPs per MAC of LeNet-5's layers (cnnc --emit=summary's count).
    assert lenet.flops > 2 * 400 * 120


def test_several_outputs_tuple_and_dict(two_heads, rng, tmp_path):
    a, s = two_inputs(rng)
    ref = interpret(TWO_HEADS, {"image": a, "skip": s}, tmp_path)
    y_sum, y_flat = two_heads(a, s)
    assert_close(y_sum, ref["sum"])
    assert_close(y_flat, ref["flat"])
    d = two_heads.run({"skip": s, "image": a})
    assert list(d) == ["sum", "flat"]
    np.testing.assert_array_equal(d["sum"], y_sum)
    np.testing.assert_array_equal(d["flat"], y_flat)


def test_out_arrays_receive_results_without_copy(two_heads, rng):
    a, s = two_inputs(rng)
    want = two_heads(a, s)
    o1 = np.full((1, 4, 8, 8), np.nan, np.float32)
    o2 = np.full((1, 4), np.nan, np.float32)
    got = two_heads(a, s, out=(o1, o2))
    assert got[0] is o1 and got[1] is o2
    np.testing.assert_array_equal(o1, want[0])
    np.testing.assert_array_equal(o2, want[1])
    o2b = np.zeros((1, 4), np.float32)
    d = two_heads.run({"image": a, "skip": s}, out={"flat": o2b})
    assert d["flat"] is o2b
    np.testing.assert_array_equal(o2b, want[1])


def test_inputs_of_other_dtype_and_order_are_converted(lenet, rng):
    x = rng.uniform(-1, 1, (1, 1, 32, 32))
    want = lenet(x.astype(np.float32))
    np.testing.assert_array_equal(lenet(x), want)  # float64
    np.testing.assert_array_equal(lenet(np.asfortranarray(x)), want)
    big = rng.uniform(-1, 1, (1, 1, 32, 64)).astype(np.float32)
    view = big[:, :, :, ::2]  # not contiguous
    np.testing.assert_array_equal(lenet(view), lenet(view.copy()))
    ints = rng.integers(-3, 3, (1, 1, 32, 32))
    np.testing.assert_array_equal(lenet(ints), lenet(ints.astype(np.float32)))
    np.testing.assert_array_equal(lenet(x.tolist()), want)


@pytest.mark.parametrize("call, message", [
    (lambda m, a, s: m(a), "1 input given, the model takes 2 (image, skip)"),
    (lambda m, a, s: m(a, s, s), "3 inputs given"),
    (lambda m, a, s: m(a[0], s), "input 'image' has shape [3, 8, 8]; the "
                                 "model takes [1, 3, 8, 8]"),
    (lambda m, a, s: m(a.astype(np.complex64), s), "has dtype complex64"),
    (lambda m, a, s: m(np.array([["x"]]), s), "has dtype <U1"),
    (lambda m, a, s: m.run({"image": a, "skip": s, "extra": s}),
     "unknown input 'extra'; the model's inputs are ['image', 'skip']"),
    (lambda m, a, s: m.run({"image": a}), "missing input ['skip']"),
    (lambda m, a, s: m.run([a, s]), "feeds must be a dict"),
    (lambda m, a, s: m.run({"image": a, "skip": s}, out={"nope": a}),
     "unknown output 'nope' in out"),
    (lambda m, a, s: m(a, s, out=(np.zeros((1, 4, 8, 8), np.float32),)),
     "out has 1 arrays, the model has 2 outputs"),
    (lambda m, a, s: m(a, s, out=(np.zeros((1, 4, 8, 8)),
                                  np.zeros((1, 4), np.float32))),
     "out for output 'sum' has dtype float64"),
    (lambda m, a, s: m(a, s, out=(np.zeros((1, 4, 8, 9), np.float32),
                                  np.zeros((1, 4), np.float32))),
     "has shape [1, 4, 8, 9], the output is [1, 4, 8, 8]"),
    (lambda m, a, s: m(a, s, out=(np.zeros((1, 4, 8, 16), np.float32)
                                  [..., ::2], np.zeros((1, 4), np.float32))),
     "must be C-contiguous and writeable"),
    (lambda m, a, s: m(a, s, out=([[0.0]], np.zeros((1, 4), np.float32))),
     "must be a numpy array, not list"),
])
def test_misuse_is_a_clear_error(two_heads, rng, call, message):
    a, s = two_inputs(rng)
    with pytest.raises(cnnc.Error) as e:
        call(two_heads, a, s)
    assert message in str(e.value)


def test_read_only_out_is_refused(lenet):
    o = np.zeros((1, 10), np.float32)
    o.flags.writeable = False
    with pytest.raises(cnnc.Error, match="writeable"):
        lenet(np.zeros((1, 1, 32, 32), np.float32), out=o)


def test_output_keeps_the_so_and_load_runs_it(tmp_path, rng):
    so = tmp_path / "lenet.so"
    x = rng.uniform(-1, 1, (1, 1, 32, 32)).astype(np.float32)
    with cnnc.compile(LENET, output=so) as m:
        want = m(x)
    assert so.is_file()
    with cnnc.load(so, threads=1) as m:
        assert m.threads == 1 and m.path == so
        np.testing.assert_array_equal(m(x), want)
    with cnnc.load(str(so), threads=2) as m:
        assert m.threads == 2
        np.testing.assert_array_equal(m(x), want)


def test_closed_model_is_an_error(tmp_path):
    m = cnnc.compile(LENET)
    m.close()
    m.close()  # idempotent
    assert "closed" in repr(m)
    with pytest.raises(cnnc.Error, match="the model is closed"):
        m(np.zeros((1, 1, 32, 32), np.float32))


def test_external_weights_and_target_cpu(tmp_path, lenet, rng):
    x = rng.uniform(-1, 1, (1, 1, 32, 32)).astype(np.float32)
    so = tmp_path / "ext.so"
    # x86-64-v3 (AVX2) runs on every host the project supports; the result
    # of the 256-bit code must agree with the native one's.
    with cnnc.compile(LENET, output=so, weights="external",
                      target_cpu="x86-64-v3", opt_level=2) as m:
        assert m.target_cpu == "x86-64-v3"
        assert_close(m(x), lenet(x))
    assert (tmp_path / "ext.weights").is_file()


def test_load_errors(tmp_path):
    with pytest.raises(cnnc.Error, match="file-not-found"):
        cnnc.load(tmp_path / "missing.so")
    text = tmp_path / "text.so"
    text.write_text("not a model\n")
    with pytest.raises(cnnc.Error, match="not-shared-object"):
        cnnc.load(text)
    for bad in (0, -2, "2", 1.5, True):
        with pytest.raises(cnnc.Error, match="threads must be"):
            cnnc.load(text, threads=bad)


def test_compile_error_carries_cnnc_located_diagnostic(tmp_path):
    bad = tmp_path / "bad.ir"
    bad.write_text("graph g {\n  input %x : f32[1,2]\n  %y = relu(%z)\n"
                   "  output %y\n}\n")
    with pytest.raises(cnnc.CompileError) as e:
        cnnc.compile(bad)
    assert f"{bad}:3:13: error: use of undefined value '%z'" in str(e.value)
    assert isinstance(e.value, cnnc.Error)


@pytest.mark.parametrize("kwargs, message", [
    ({"opt_level": 7}, "opt_level must be 0 to 3"),
    ({"target": "tpu"}, "target must be 'cpu' or 'cuda'"),
    ({"weights": "inline"}, "weights must be 'embedded' or 'external'"),
    ({"input_shapes": {"x": "abc"}}, "must be a sequence of integers"),
    ({"input_shapes": {"x": (1, 0)}}, "one below 1"),
])
def test_compile_option_errors(kwargs, message):
    with pytest.raises(cnnc.Error, match=message.replace("(", r"\(")):
        cnnc.compile(LENET, **kwargs)


def test_compile_refuses_what_is_not_a_model(tmp_path):
    with pytest.raises(cnnc.Error, match="no such model file"):
        cnnc.compile(tmp_path / "none.onnx")
    other = tmp_path / "model.txt"
    other.write_text("x")
    with pytest.raises(cnnc.Error, match="neither .onnx nor .ir"):
        cnnc.compile(other)
    with pytest.raises(cnnc.Error, match="not int"):
        cnnc.compile(42)


def test_threads_share_one_model(two_heads):
    rng = np.random.default_rng(7)
    cases = [two_inputs(rng) for _ in range(8)]
    want = [two_heads(a, s) for a, s in cases]
    errors = []

    def worker(k):
        try:
            for i in range(25):
                a, s = cases[(k + i) % len(cases)]
                got = two_heads(a, s)
                for g, w in zip(got, want[(k + i) % len(cases)]):
                    np.testing.assert_array_equal(g, w)
        except Exception as e:  # reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]


def test_run_releases_the_gil(tmp_path):
    # A gemm of 2 GFLOP on one thread: tens of milliseconds inside one
    # ctypes call. With the interpreter's switch interval raised so that it
    # never takes the GIL from a running thread, the main thread can run
    # while the worker is inside the call only if the call released it.
    ir = tmp_path / "big.ir"
    ir.write_text("graph big {\n  input %a : f32[1024,1024]\n"
                  "  %w = const random(1) : f32[1024,1024]\n"
                  "  %y = gemm(%a, %w)\n  output %y\n}\n")
    m = cnnc.compile(ir, threads=1)
    x = np.ones((1024, 1024), np.float32)
    entered, done = threading.Event(), threading.Event()

    def worker():
        entered.set()
        m(x)
        done.set()

    old = sys.getswitchinterval()
    sys.setswitchinterval(100.0)
    try:
        t = threading.Thread(target=worker)
        t.start()
        entered.wait()
        ran_during_call = not done.is_set()
        t.join()
    finally:
        sys.setswitchinterval(old)
    m.close()
    assert ran_during_call


def test_benchmark(lenet):
    r = lenet.benchmark(runs=12, warmup=1)
    assert r.runs == 12 and r.threads == lenet.threads
    assert 0 < r.min_ms <= r.median_ms and r.min_ms <= r.mean_ms
    r2 = lenet.benchmark(np.zeros((1, 1, 32, 32), np.float32), runs=3)
    assert r2.runs == 3
    with pytest.raises(cnnc.Error, match="runs must be >= 1"):
        lenet.benchmark(runs=0)


def test_profile_rows(lenet, tmp_path):
    with pytest.raises(cnnc.Error, match="compiled without profiling"):
        lenet.profile()
    with cnnc.compile(LENET, profile=True) as m:
        rows = m.profile(runs=4)
    names = {r["name"] for r in rows}
    assert {"conv1+tanh", "conv2+tanh"} <= names
    assert all(r["calls"] % 4 == 0 and r["total_ms"] >= 0 for r in rows)
    assert abs(sum(r["share"] for r in rows) - 1) < 1e-9
    assert [r["total_ms"] for r in rows] == \
        sorted((r["total_ms"] for r in rows), reverse=True)
    conv = next(r for r in rows if r["name"] == "conv1+tanh")
    assert conv["source"].endswith("lenet5.ir:30:12") and conv["gflops"] > 0


def test_finds_the_build_it_was_installed_from():
    tools = cnnc.find_tools()
    assert tools.compiler == build_dir() / "tools" / "cnnc"
    assert tools.runtime == build_dir() / "runtime" / "libcnnrt.so"
    if os.environ.get("CNNC_TEST_INSTALLED"):
        assert "site-packages" in cnnc.__file__
        assert tools.origin.startswith("the checkout's build folder")


def test_cnnc_build_dir_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("CNNC_BUILD_DIR", str(build_dir()))
    assert cnnc.find_tools().origin.startswith("$CNNC_BUILD_DIR")
    monkeypatch.setenv("CNNC_BUILD_DIR", str(tmp_path))
    with pytest.raises(cnnc.Error, match="has no cnnc"):
        cnnc.find_tools()


def test_install_prefix_on_path(monkeypatch, tmp_path):
    prefix = tmp_path / "prefix"
    subprocess.run(["cmake", "--install", str(build_dir()), "--prefix",
                    str(prefix)], check=True, stdout=subprocess.DEVNULL)
    import cnnc._locate as locate
    monkeypatch.delenv("CNNC_BUILD_DIR", raising=False)
    monkeypatch.setattr(locate, "_recorded_build", lambda: None)
    monkeypatch.setenv("PATH", f"{prefix / 'bin'}{os.pathsep}/usr/bin:/bin")
    tools = cnnc.find_tools()
    assert tools.origin == f"install prefix {prefix}"
    assert tools.compiler == prefix / "bin" / "cnnc"
    with cnnc.compile(LENET) as m:
        assert m(np.zeros((1, 1, 32, 32), np.float32)).shape == (1, 10)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    with pytest.raises(cnnc.Error, match="cannot find the compiler"):
        cnnc.find_tools()


def test_cuda_model(lenet, rng, tmp_path):
    # A CUDA model runs on a GPU and agrees with the CPU model; without a
    # GPU and driver, loading it is refused with the runtime's no-device
    # message (and the .so was still written).
    so = tmp_path / "lenet-cuda.so"
    x = rng.uniform(-1, 1, (1, 1, 32, 32)).astype(np.float32)
    try:
        m = cnnc.compile(LENET, target="cuda", output=so)
    except cnnc.Error as e:
        assert so.is_file()
        assert "[no-device]" in str(e) and "is a CUDA model" in str(e)
        return
    with m:
        assert m.device == "cuda"
        assert_close(m(x), lenet(x))


def test_verify_finds_damaged_weights(tmp_path):
    # Weights that are easy to find in the .so: change one byte of them.
    vals = np.arange(1, 17, dtype=np.float32) * 1.03125
    ir = tmp_path / "w.ir"
    ir.write_text("graph w {\n  input %x : f32[1,16]\n  %w = const [" +
                  ", ".join(repr(float(v)) for v in vals) +
                  "] : f32[1,16]\n  %y = mul(%x, %w)\n  output %y\n}\n")
    so = tmp_path / "w.so"
    x = np.ones((1, 16), np.float32)
    with cnnc.compile(ir, output=so) as m:
        np.testing.assert_array_equal(m(x), vals[None])
    with cnnc.load(so, verify=True) as m:
        m.verify()
    data = bytearray(so.read_bytes())
    at = bytes(data).find(vals[:4].tobytes())
    assert at > 0
    data[at + 2] ^= 0x40
    bad = tmp_path / "bad.so"
    bad.write_bytes(bytes(data))
    with cnnc.load(bad) as m:  # loads: the weights are checked on request
        assert m(x)[0, 0] != vals[0]
        with pytest.raises(cnnc.Error, match="is damaged: its embedded "
                                             "weights .* have checksum"):
            m.verify()
    with pytest.raises(cnnc.Error, match="weights-hash"):
        cnnc.load(bad, verify=True)
    trunc = tmp_path / "trunc.so"
    trunc.write_bytes(so.read_bytes()[:5000])
    with pytest.raises(cnnc.Error, match="is not a valid compiled model"):
        cnnc.load(trunc)
