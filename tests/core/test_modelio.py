import io
import json
import os
import zipfile

import numpy as np
import pytest

from glassnet.errors import ModelFileError
from glassnet.modelio import META_KEY, load_model, load_model_file, save_model, save_model_file
from glassnet.network import build_mlp

from ..conftest import endless_pipe


def model_bytes(**kw):
    model = build_mlp([16, 8], batchnorm=True, dropout=0.1, seed=2, **kw)
    model.layers[1].buffers["running_mean"][...] = 0.5  # buffers must survive the round trip
    return model, save_model(model, {"preset": "default", "lr": 0.001})


def rewrite(blob, change):
    """Unpack an .npz, let ``change`` edit the dict of arrays, pack it again."""
    with np.load(io.BytesIO(blob)) as z:
        arrays = {k: z[k] for k in z.files}
    change(arrays)
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


def set_meta(arrays, edit):
    meta = json.loads(arrays[META_KEY].tobytes())
    edit(meta)
    arrays[META_KEY] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)


def test_test_accuracy_travels_with_the_model_and_is_checked():
    model = build_mlp([8], seed=0)
    _, meta = load_model(save_model(model, {}, test_accuracy=0.8855))
    assert meta["test_accuracy"] == pytest.approx(0.8855)
    assert "test_accuracy" not in load_model(save_model(model, {}))[1]
    for bad in (1.5, -0.1, "0.9", True, [0.9]):
        blob = rewrite(save_model(model, {}),
                       lambda a, bad=bad: set_meta(a, lambda m: m.__setitem__("test_accuracy", bad)))
        with pytest.raises(ModelFileError, match="recorded test accuracy .* is not a fraction"):
            load_model(blob)


def test_round_trip_same_predictions():
    model, blob = model_bytes()
    loaded, meta = load_model(blob)
    assert meta["config"]["preset"] == "default" and meta["layers"] == model.spec()
    x = np.random.default_rng(0).random((5, 784), dtype=np.float32)
    np.testing.assert_array_equal(model.forward(x), loaded.forward(x))
    np.testing.assert_array_equal(loaded.layers[1].buffers["running_mean"], 0.5)
    # the optimizer's view (params list) points at the loaded values
    assert loaded.params[0] is loaded.layers[0].W


def test_file_round_trip_and_atomic_write(tmp_path):
    model, _ = model_bytes()
    path = tmp_path / "m.npz"
    save_model_file(path, model)
    loaded, _ = load_model_file(path)
    assert loaded.spec() == model.spec()
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]
    with pytest.raises(ModelFileError, match="cannot write"):
        save_model_file(tmp_path / "no" / "dir" / "m.npz", model)
    with pytest.raises(ModelFileError, match="cannot read"):
        load_model_file(tmp_path / "missing.npz")


def pickled_object_array(arrays):
    arrays["layer0.W"] = np.array([{"evil": "payload"}], dtype=object)


class Boom:
    def __reduce__(self):
        return (exec, ("raise SystemExit('pickle executed!')",))


def test_hostile_pickle_is_never_executed():
    out = io.BytesIO()
    np.savez(out, **{META_KEY: np.frombuffer(b"{}", np.uint8), "x": np.array([Boom()], dtype=object)})
    with pytest.raises(ModelFileError, match="pickled Python objects"):
        load_model(out.getvalue())


def test_plain_pickle_file_is_refused():
    import pickle

    with pytest.raises(ModelFileError, match="not an .npz archive"):
        load_model(pickle.dumps(Boom()))


@pytest.mark.parametrize("change, message", [
    (pickled_object_array, "pickled Python objects"),
    (lambda a: a.pop(META_KEY), "no glassnet metadata"),
    (lambda a: a.pop("layer0.W"), "missing arrays: layer0.W"),
    (lambda a: a.__setitem__("extra", np.zeros(3)), "unexpected arrays: extra"),
    (lambda a: a.__setitem__("layer0.W", np.zeros((784, 15), np.float32)), r"shape \(784, 15\)"),
    (lambda a: a.__setitem__("layer0.W", np.zeros((784, 16), np.int32)), "dtype int32"),
    (lambda a: a.__setitem__("layer0.b", np.full(16, np.nan, np.float32)), "NaN or infinite"),
    (lambda a: a.__setitem__(META_KEY, np.frombuffer(b"{not json", np.uint8)), "not valid JSON"),
    (lambda a: a.__setitem__(META_KEY, np.zeros(3, np.float32)), "not stored as bytes"),
    (lambda a: set_meta(a, lambda m: m["layers"].__setitem__(2, {"type": "Lambda"})), "unknown layer type"),
    (lambda a: set_meta(a, lambda m: m.__setitem__("format", "other")), "does not describe"),
    (lambda a: set_meta(a, lambda m: m.__setitem__("version", 99)), "version 99"),
    (lambda a: set_meta(a, lambda m: m.__setitem__("layers", [])), "no layers"),
    (lambda a: set_meta(a, lambda m: m["layers"][0].__setitem__("inputs", 100)), "takes 100 inputs"),
    (lambda a: set_meta(a, lambda m: m["layers"][-1].__setitem__("outputs", 7)), "ends in 7"),
    (lambda a: set_meta(a, lambda m: m["layers"][-1].__setitem__("outputs", 10 ** 9)),
     "outputs must be between 1 and"),
    (lambda a: set_meta(a, lambda m: m["layers"][0].pop("outputs")), "outputs must be a whole number"),
])
def test_broken_and_hostile_files(change, message):
    _, blob = model_bytes()
    with pytest.raises(ModelFileError, match=message):
        load_model(rewrite(blob, change))


@pytest.mark.parametrize("blob, message", [
    (b"", "empty"),
    (b"PK\x03\x04truncated", "damaged or truncated"),
    (b"\x93NUMPY", "not an .npz archive"),
])
def test_not_a_model(blob, message):
    with pytest.raises(ModelFileError, match=message):
        load_model(blob, "upload.npz")


def test_truncated_model_file():
    _, blob = model_bytes()
    with pytest.raises(ModelFileError, match="upload.npz: the archive is damaged"):
        load_model(blob[: len(blob) // 2], "upload.npz")


def test_single_npy_array_is_refused():
    out = io.BytesIO()
    np.save(out, np.zeros(3))
    with pytest.raises(ModelFileError):
        load_model(out.getvalue())


def test_zip_without_arrays():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "hi")
    with pytest.raises(ModelFileError):
        load_model(out.getvalue())


# ---------------------------------------------------------------- hostile sizes and values
# (every reader checks declared sizes before allocating, every
# metadata value is checked by name, every failure says what is actually wrong)

def npz_with(members):
    """A zip of raw .npy members: {name: (header dict, data bytes)}, written by hand so headers
    can lie about the data."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, (header, data) in members.items():
            head = io.BytesIO()
            np.lib.format.write_array_header_1_0(head, header)
            z.writestr(f"{name}.npy", head.getvalue() + data)  # the header writer adds the magic
    return out.getvalue()


def meta_member(meta_text):
    raw = meta_text.encode()
    return {"descr": "|u1", "fortran_order": False, "shape": (len(raw),)}, raw


def small_meta(**layer0):
    spec = {"type": "Dense", "inputs": 784, "outputs": 10, "init": "he", **layer0}
    return json.dumps({"format": "glassnet-model", "version": 1, "layers": [spec], "config": {}})


def test_deeply_nested_metadata_is_refused_without_recursion():
    nested = '{"format": "glassnet-model", "version": 1, "config": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(ModelFileError, match="nests 100001 levels deep"):
        load_model(npz_with({META_KEY: meta_member(nested)}))


@pytest.mark.parametrize("edit, message", [
    (lambda m: m["layers"][2].__setitem__("alpha", float("nan")),
     r"layer 2 \(LeakyReLU\): alpha must be in \[0, 1\], got nan"),
    (lambda m: m["layers"][2].__setitem__("alpha", "0.1"), "alpha must be a number"),
    (lambda m: m["layers"][1].__setitem__("eps", -1.0), r"layer 1 \(BatchNorm\): eps must be in \(0, 1\]"),
    (lambda m: m["layers"][1].__setitem__("momentum", float("inf")), "momentum must be in"),
    (lambda m: m["layers"][0].__setitem__("outputs", float("inf")), "outputs must be a whole number, got inf"),
    (lambda m: m["layers"][0].__setitem__("outputs", 16.5), "outputs must be a whole number"),
    (lambda m: m["layers"][0].__setitem__("outputs", True), "outputs must be a whole number"),
    (lambda m: m["layers"][0].__setitem__("init", "zeros"), "init must be 'he' or 'glorot'"),
    (lambda m: m["layers"][3].__setitem__("p", 1.5), r"layer 3 \(Dropout\): p must be in"),
    (lambda m: m["config"].__setitem__("lr", float("nan")), "metadata value config.lr is not a finite number"),
    (lambda m: m.__setitem__("layers", [{"type": "ReLU"}] * 1000), "1000 layers is more than"),
])
def test_hostile_metadata_values_are_named(edit, message):
    model = build_mlp([16, 8], activation="leaky_relu", batchnorm=True, dropout=0.1, seed=2)
    blob = save_model(model, {"lr": 0.001})
    with pytest.raises(ModelFileError, match=message):
        load_model(rewrite(blob, lambda a: set_meta(a, edit)))


def test_enormous_integer_in_metadata_is_a_clear_error():
    text = small_meta().replace('"outputs": 10', '"outputs": ' + "9" * 5000)
    with pytest.raises(ModelFileError, match="metadata"):
        load_model(npz_with({META_KEY: meta_member(text)}))


def test_negative_running_variance_is_refused():
    model, blob = model_bytes()
    with pytest.raises(ModelFileError, match="layer1.running_var holds negative variances"):
        load_model(rewrite(blob, lambda a: a.__setitem__("layer1.running_var", np.full(16, -1, np.float32))))


def test_declared_huge_arrays_are_refused_before_allocating():
    huge_meta = ({"descr": "|u1", "fortran_order": False, "shape": (10 ** 12,)}, b"{}")
    with pytest.raises(ModelFileError, match="the metadata is 1,000,000,000,000 bytes"):
        load_model(npz_with({META_KEY: huge_meta}))
    huge_w = ({"descr": "<f4", "fortran_order": False, "shape": (784, 10 ** 9)}, b"\0" * 64)
    bias = ({"descr": "<f4", "fortran_order": False, "shape": (10,)}, b"\0" * 40)
    with pytest.raises(ModelFileError, match=r"layer0.W has shape \(784, 1000000000\), expected \(784, 10\)"):
        load_model(npz_with({META_KEY: meta_member(small_meta()), "layer0.W": huge_w,
                             "layer0.b": bias}))


def test_truncated_array_is_called_truncated_not_pickled():
    w = ({"descr": "<f4", "fortran_order": False, "shape": (784, 10)}, b"\0" * 100)
    bias = ({"descr": "<f4", "fortran_order": False, "shape": (10,)}, b"\0" * 40)
    with pytest.raises(ModelFileError, match="array layer0.W is truncated: 100 of 31,360 bytes"):
        load_model(npz_with({META_KEY: meta_member(small_meta()), "layer0.W": w, "layer0.b": bias}))


def test_non_array_member_and_bad_npy_header_are_named():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("layer0.W.npy", b"\x93NUMPY\x01\x00garbage")
    with pytest.raises(ModelFileError, match="layer0.W is not a plain NumPy array"):
        load_model(out.getvalue())


def test_a_large_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    from glassnet import modelio

    path = tmp_path / "big.npz"
    path.write_bytes(b"PK" + b"\0" * 4096)
    monkeypatch.setattr(modelio, "MAX_MODEL_BYTES", 1024)
    with pytest.raises(ModelFileError, match="larger than any model glassnet makes"):
        load_model_file(path)


@pytest.mark.native
def test_save_ignores_planted_symlinks_and_leaves_no_temporary_file(tmp_path):
    model, _ = model_bytes()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    for name in ("m.npz.part", "m.npz.tmp", ".m.npz.part"):
        (tmp_path / name).symlink_to(victim)
    save_model_file(tmp_path / "m.npz", model)
    assert victim.read_text() == "precious"
    assert load_model_file(tmp_path / "m.npz")[0].spec() == model.spec()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".glassnet-")]
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "m.npz").stat().st_mode & 0o777 == (0o666 & ~mask) | 0o600


def test_check_writable_finds_problems_before_training(tmp_path):
    from glassnet.modelio import check_writable

    check_writable(tmp_path / "ok.npz")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ModelFileError, match="does not exist"):
        check_writable(tmp_path / "missing" / "m.npz")
    with pytest.raises(ModelFileError, match="is a folder"):
        check_writable(tmp_path)


def test_an_npy_header_over_numpys_limit_is_called_that_not_pickled():
    big = ({"descr": "<f4", "fortran_order": False, "shape": (10,), "pad": " " * 20000}, b"\0" * 40)
    blob = npz_with({META_KEY: meta_member(small_meta()), "layer0.b": big})
    with pytest.raises(ModelFileError) as info:
        load_model(blob)
    message = str(info.value)
    assert "pickle" not in message
    assert "layer0.b" in message and "header" in message and "10,000" in message


@pytest.mark.native
def test_a_model_read_from_a_stream_is_bounded_by_the_bytes_read(tmp_path, monkeypatch):
    import threading

    from glassnet import modelio

    monkeypatch.setattr(modelio, "MAX_MODEL_BYTES", 1 << 16)
    fifo = tmp_path / "pipe.npz"
    writer, written = endless_pipe(fifo, b"PK")
    with pytest.raises(ModelFileError, match="larger than any model glassnet makes"):
        load_model_file(fifo)
    writer.join(timeout=30)
    assert len(written) < 64  # the reader stopped after about a megabyte, not 64 MB
    # a stream that is not a zip at all is refused after its first bytes
    with pytest.raises(ModelFileError, match="not an .npz archive"):
        load_model_file("/dev/zero")
    # and a real model still loads through a pipe
    model, _ = model_bytes()
    os.unlink(fifo)
    os.mkfifo(fifo)
    blob = save_model(model)
    feeder = threading.Thread(target=lambda: fifo.write_bytes(blob), daemon=True)
    feeder.start()
    assert load_model_file(fifo)[0].spec() == model.spec()
    feeder.join(timeout=30)


@pytest.mark.native
def test_save_refuses_a_target_that_is_not_a_regular_file(tmp_path):
    from glassnet.modelio import check_writable

    model, _ = model_bytes()
    fifo = tmp_path / "device.npz"
    os.mkfifo(fifo)
    with pytest.raises(ModelFileError, match="not a regular file"):
        check_writable(fifo)
    with pytest.raises(ModelFileError, match="not a regular file"):
        save_model_file(fifo, model)
    import stat
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still the node it was
    assert [p.name for p in tmp_path.iterdir()] == ["device.npz"]  # no temporary file left
