import gzip
import hashlib
import struct

import numpy as np
import pytest

from glassnet import data
from glassnet.data import (
    FILES,
    DataError,
    augment,
    batches,
    check_pair,
    dataset_from_bytes,
    encode_idx,
    find_data_dir,
    load_dir,
    load_fashion_mnist,
    parse_idx,
    to_float,
)

from ..conftest import endless_pipe, make_dataset, write_dataset


def test_idx_round_trip_gzip_and_raw():
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    for compress in (True, False):
        blob = encode_idx(images, compress)
        assert blob[:2] == (b"\x1f\x8b" if compress else b"\x00\x00")
        np.testing.assert_array_equal(parse_idx(blob), images)
    labels = np.array([3, 1, 4], dtype=np.uint8)
    np.testing.assert_array_equal(parse_idx(encode_idx(labels)), labels)


def test_idx_header_layout_is_the_real_format():
    raw = encode_idx(np.zeros((5, 28, 28), dtype=np.uint8), compress=False)
    assert struct.unpack(">I", raw[:4])[0] == 0x00000803
    assert struct.unpack(">III", raw[4:16]) == (5, 28, 28)
    assert len(raw) == 16 + 5 * 784


def test_parse_other_idx_types_big_endian():
    raw = struct.pack(">HBB", 0, 0x0C, 1) + struct.pack(">I", 2) + struct.pack(">ii", -1, 7)
    np.testing.assert_array_equal(parse_idx(raw), [-1, 7])


GOOD = encode_idx(np.zeros((3, 28, 28), dtype=np.uint8), compress=False)


@pytest.mark.parametrize("blob, message", [
    (b"", "empty"),
    (gzip.compress(GOOD)[:-10], "truncated or corrupt"),
    (b"\x1f\x8b" + b"garbage" * 10, "truncated or corrupt"),
    (gzip.compress(b""), "holds no data"),
    (b"\x00\x00", "too short"),
    (b"PK\x03\x04" + b"\x00" * 100, "not an idx file"),
    (b"hello world, not idx", "not an idx file"),
    (b"\x00\x00\x08\x07" + b"\x00" * 40, "dimensions is not supported"),
    (b"\x00\x00\x08\x03\x00\x00\x00\x03", "header is truncated"),
    (GOOD[:-1], "truncated: the header promises"),
    (GOOD + b"\x00", "unexpected bytes after the data"),
])
def test_bad_idx_bytes_get_their_own_clear_error(blob, message):
    with pytest.raises(DataError, match=message):
        parse_idx(blob, "x.gz")


def test_error_names_the_file():
    with pytest.raises(DataError, match=r"^train-images\.gz: the file is empty"):
        parse_idx(b"", "train-images.gz")


def pair(n_img=4, n_lab=4, shape=(28, 28), label=1):
    return np.zeros((n_img, *shape), dtype=np.uint8), np.full(n_lab, label, dtype=np.uint8)


@pytest.mark.parametrize("images_labels, message", [
    (pair(n_lab=3), "4 images but 3 labels"),
    (pair(shape=(28, 27)), r"expected shape \(n, 28, 28\)"),
    (pair(label=10), "label 10 at index 0 is out of range"),
    (pair(0, 0), "holds no examples"),
    ((np.zeros((2, 28, 28), np.uint8), np.zeros((2, 1), np.uint8)), "one dimension"),
])
def test_bad_pairs(images_labels, message):
    with pytest.raises(DataError, match=message):
        check_pair(*images_labels, "training")


def test_dataset_from_bytes_names_the_bad_file():
    d = make_dataset(20, 10)
    blobs = [encode_idx(a) for a in (d.train_images, d.train_labels, d.test_images, d.test_labels)]
    ok = dataset_from_bytes(*blobs)
    assert ok.train_images.shape == (20, 28, 28) and ok.test_labels.shape == (10,)
    blobs[2] = blobs[2][: len(blobs[2]) // 2]
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte.gz"):
        dataset_from_bytes(*blobs)
    # swapped files: a labels file where images belong
    good = [encode_idx(a) for a in (d.train_images, d.train_labels, d.test_images, d.test_labels)]
    with pytest.raises(DataError, match="images: expected shape"):
        dataset_from_bytes(good[1], good[1], good[2], good[3])


def test_load_dir_and_search_order(data_dir, isolated_cache, monkeypatch, tmp_path):
    loaded = load_dir(data_dir)
    assert loaded.train_images.dtype == np.uint8 and len(loaded.train_labels) == 600
    assert find_data_dir(data_dir) == data_dir
    # without --data-dir: the cache first, then Debian's folder
    monkeypatch.setattr(data, "DEBIAN_DIR", data_dir)
    assert find_data_dir() == data_dir
    cached = write_dataset(data.cache_dir(), make_dataset(30, 10, seed=1))
    assert cached.is_relative_to(isolated_cache)
    assert find_data_dir() == cached
    assert len(load_fashion_mnist().train_labels) == 30


def test_missing_data_messages(tmp_path, isolated_cache, monkeypatch):
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "none")
    with pytest.raises(DataError, match="no such directory"):
        find_data_dir(tmp_path / "nope")
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / FILES["train_images"]).write_bytes(b"")
    with pytest.raises(DataError, match="missing train-labels"):
        find_data_dir(tmp_path / "half")
    with pytest.raises(DataError, match="not found"):
        load_fashion_mnist(allow_download=False)


def test_load_dir_reports_the_corrupt_file(data_dir):
    path = data_dir / FILES["test_labels"]
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz: the gzip data is truncated"):
        load_dir(data_dir)


def test_download_checks_checksums_and_writes_atomically(tmp_path, monkeypatch):
    """Download from a file:// mirror: real urllib, real files, no network."""
    mirror = write_dataset(tmp_path / "mirror", make_dataset(20, 10))
    md5 = {f: hashlib.md5((mirror / f).read_bytes()).hexdigest() for f in FILES.values()}
    monkeypatch.setattr(data, "DOWNLOAD_MD5", md5)
    target = tmp_path / "cache"
    data.download(target, base_url=mirror.as_uri() + "/")
    assert sorted(p.name for p in target.iterdir()) == sorted(FILES.values())
    # a corrupt mirror file: refused, and nothing (not even a .part file) is left behind
    bad_target = tmp_path / "cache2"
    (mirror / FILES["train_labels"]).write_bytes(b"tampered")
    with pytest.raises(DataError, match="checksum mismatch"):
        data.download(bad_target, base_url=mirror.as_uri() + "/")
    assert sorted(p.name for p in bad_target.iterdir()) == [FILES["train_images"]]
    with pytest.raises(DataError, match="could not download"):
        data.download(tmp_path / "cache3", base_url=(tmp_path / "void").as_uri() + "/")


def test_batches_are_float32_and_cover_everything_once():
    d = make_dataset(25, 5)
    seen = []
    for x, y in batches(d.train_images, d.train_labels, 10, np.random.default_rng(0)):
        assert x.dtype == np.float32 and x.shape[1] == 784 and x.max() <= 1.0
        seen.append(y)
    assert [len(y) for y in seen] == [10, 10, 5]
    assert sorted(np.concatenate(seen).tolist()) == sorted(d.train_labels.tolist())
    np.testing.assert_allclose(to_float(np.array([[0, 255]], dtype=np.uint8)), [[0.0, 1.0]])


def test_validation_split():
    d = make_dataset(100, 10)
    v = d.split_validation(0.2, seed=0)
    assert len(v.train_labels) == 80 and len(v.test_labels) == 20
    with pytest.raises(DataError):
        d.split_validation(1.5)


def test_augment_flips_and_shifts_keep_shape_and_values():
    rng = np.random.default_rng(0)
    img = np.zeros((200, 28, 28), dtype=np.uint8)
    img[:, 10, 3] = 255
    out = augment(img, rng, max_shift=0)
    cols = np.argmax(out[:, 10, :], axis=1)
    assert set(cols.tolist()) == {3, 24}  # mirrored or not
    shifted = augment(img, rng, max_shift=2)
    assert shifted.shape == img.shape and shifted.dtype == np.uint8
    assert np.all(shifted.reshape(200, -1).max(axis=1) == 255)  # nothing shifted out of frame


# ---------------------------------------------------------------- sizes and label types
# Every idx header field is checked, declared sizes are checked before anything is inflated or
# allocated, and only what the data set holds is accepted as labels.

def _idx(type_code, shape, payload=b""):
    return struct.pack(">HBB", 0, type_code, len(shape)) + struct.pack(">" + "I" * len(shape), *shape) + payload


@pytest.mark.parametrize("shape", [
    (2 ** 32 - 1,) * 4,  # 2**128 bytes: wrapped to a small number in int64 arithmetic before
    (2 ** 16,) * 4,  # exactly 2**64: wrapped to 0
    (60000, 28, 28, 1000),
    (2 ** 31, 2),
])
def test_crafted_dimensions_cannot_overflow_the_size_check(shape):
    for blob in (_idx(0x08, shape, b"\0" * 64), gzip.compress(_idx(0x08, shape, b"\0" * 64))):
        with pytest.raises(DataError, match="the header declares shape .* more than glassnet reads"):
            parse_idx(blob, "x.gz")


def test_a_small_gz_that_inflates_to_gigabytes_is_refused_early():
    header = _idx(0x08, (10, 28, 28))
    inflater = gzip.compress(header + b"\0" * (50 * 2 ** 20), compresslevel=9)  # ~50 kB
    assert len(inflater) < 2 ** 20
    with pytest.raises(DataError, match="holds more data than its idx header declares"):
        parse_idx(inflater, "bomb.gz")


def test_concatenated_gzip_members_and_trailing_zeros_still_parse():
    raw = encode_idx(np.arange(5, dtype=np.uint8), compress=False)
    np.testing.assert_array_equal(parse_idx(gzip.compress(raw[:6]) + gzip.compress(raw[6:])), range(5))
    np.testing.assert_array_equal(parse_idx(gzip.compress(raw) + b"\0\0"), range(5))
    with pytest.raises(DataError, match="unexpected bytes after the compressed stream"):
        parse_idx(gzip.compress(raw) + b"junk")


@pytest.mark.parametrize("type_code, values, message", [
    (0x09, struct.pack(">bb", -1, 3), "expected unsigned bytes .* got int8"),
    (0x0C, struct.pack(">ii", 1, -5), "expected unsigned bytes .* got int32"),
    (0x0B, struct.pack(">hh", 1, 2), "expected unsigned bytes .* got int16"),
    (0x0D, struct.pack(">ff", 2.7, 1.0), "expected unsigned bytes .* got float32"),
    (0x0E, struct.pack(">dd", 1.0, 2.0), "expected unsigned bytes .* got float64"),
])
def test_labels_must_be_the_data_sets_unsigned_bytes(type_code, values, message):
    labels = parse_idx(_idx(type_code, (2,), values))
    images = np.zeros((2, 28, 28), np.uint8)
    with pytest.raises(DataError, match=message):
        check_pair(images, labels, "training")


def test_nan_in_a_float_idx_file_is_refused():
    with pytest.raises(DataError, match="NaN or infinite"):
        parse_idx(_idx(0x0D, (2,), struct.pack(">ff", float("nan"), 1.0)), "x")


def test_images_with_a_wrong_type_are_refused_by_name():
    images = parse_idx(_idx(0x0C, (1, 28, 28), b"\0" * 4 * 784))
    with pytest.raises(DataError, match="training images: expected unsigned bytes"):
        check_pair(images, np.zeros(1, np.uint8), "training")


@pytest.mark.native
def test_an_oversized_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    folder = write_dataset(tmp_path / "d", make_dataset(20, 10))
    monkeypatch.setattr(data, "MAX_IDX_BYTES", 100)
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz: .* bytes is more than glassnet reads"):
        load_dir(folder)


@pytest.mark.native
def test_a_data_file_that_is_a_stream_is_bounded_by_the_bytes_read(tmp_path, monkeypatch):
    folder = write_dataset(tmp_path / "d", make_dataset(20, 10))
    target = folder / FILES["train_images"]
    target.unlink()
    monkeypatch.setattr(data, "MAX_IDX_BYTES", 1 << 16)
    writer, written = endless_pipe(target, b"\x1f\x8b")
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz: .*more than glassnet reads"):
        load_dir(folder)
    writer.join(timeout=30)
    assert len(written) < 64  # the reader stopped after about a megabyte, not 64 MB


@pytest.mark.native
def test_raw_idx_files_load_and_garbage_is_refused_by_its_first_bytes(tmp_path):
    folder = write_dataset(tmp_path / "d", make_dataset(20, 10))
    for filename in FILES.values():  # the same set, uncompressed
        raw = gzip.decompress((folder / filename).read_bytes())
        (folder / filename).write_bytes(raw)
    assert len(load_dir(folder).train_labels) == 20
    (folder / FILES["test_labels"]).write_bytes(b"\x42" * 100)
    with pytest.raises(DataError, match="neither gzip nor an idx file"):
        load_dir(folder)
