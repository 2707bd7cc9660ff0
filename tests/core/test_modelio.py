import io
import json
import zipfile

import numpy as np
import pytest

from glassnet.errors import ModelFileError
from glassnet.layers import build_mlp
from glassnet.modelio import META_KEY, load_model, load_model_file, save_model, save_model_file


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
    (lambda a: set_meta(a, lambda m: m["layers"][-1].__setitem__("outputs", 10 ** 9)), "parameters"),
    (lambda a: set_meta(a, lambda m: m["layers"][0].pop("outputs")), "bad layer description"),
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
