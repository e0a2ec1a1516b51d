"""The Fashion-MNIST loader (notebook 07): idx parsing, verification, the cache, and every source's fall-through.

No test reaches the internet: Keras's address points at servers on 127.0.0.1 and Debian's folder at a temporary one.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import socket
import struct
import time
from pathlib import Path

import numpy as np
import pytest

from helpers import data
from damaged_caches import DAMAGES, SMALL_TEST, SMALL_TRAIN, make_arrays, write_damaged_cache
from local_servers import file_server, silent_server


def idx_bytes(array: np.ndarray) -> bytes:
    """The bytes of an idx file of unsigned bytes holding ``array``."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def by_name(arrays) -> dict[str, np.ndarray]:
    (x_train, y_train), (x_test, y_test) = arrays
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def gz_files(arrays, debian_style: bool = False) -> dict[str, bytes]:
    """The four .gz files holding ``arrays``: as Keras/Zalando compress them (file name in the gzip header), or
    recompressed like Debian's (no file name, another level): other bytes, the same content."""
    files = {}
    for spec in data.FASHION_FILES:
        raw = idx_bytes(by_name(arrays)[spec.array])
        if debian_style:
            files[spec.name] = gzip.compress(raw, compresslevel=6, mtime=1591347949)
        else:
            buffer = io.BytesIO()
            with gzip.GzipFile(filename=spec.name[:-3], mode="wb", fileobj=buffer, mtime=1505000000) as f:
                f.write(raw)
            files[spec.name] = buffer.getvalue()
    return files


def write_files(folder: Path, arrays, debian_style: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in gz_files(arrays, debian_style).items():
        (folder / name).write_bytes(body)
    return folder


@pytest.fixture
def small_fashion(monkeypatch, tmp_path):
    """Shrink the expected Fashion-MNIST to 21 train and 11 test images, pin the small files' content sha256, and
    point every cache and source at temporary places or 127.0.0.1."""
    arrays = make_arrays()
    monkeypatch.setattr(data, "FASHION_TRAIN_COUNTS", SMALL_TRAIN)
    monkeypatch.setattr(data, "FASHION_TEST_COUNTS", SMALL_TEST)
    monkeypatch.setattr(data, "FASHION_FILES", tuple(
        data.IdxFile(spec.name, spec.array, hashlib.sha256(idx_bytes(by_name(arrays)[spec.array])).hexdigest())
        for spec in data.FASHION_FILES))
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(data, "FASHION_URL", "http://127.0.0.1:9/never-contacted/")
    monkeypatch.setattr(data, "FASHION_DEBIAN_DIR", tmp_path / "debian" / "fashion-mnist")
    for var in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(var, "127.0.0.1,localhost")
    return arrays


def assert_same(a, b):
    for pa, pb in zip(a, b):
        for ta, tb in zip(pa, pb):
            assert ta.dtype == tb.dtype == np.uint8
            np.testing.assert_array_equal(ta, tb)


# ---------------------------------------------------------------- idx files


def test_idx_parsing_of_small_gz_files(small_fashion, tmp_path):
    folder = write_files(tmp_path / "files", small_fashion)
    for spec in data.FASHION_FILES:
        array = data.read_idx_gz((folder / spec.name).read_bytes(), spec)
        np.testing.assert_array_equal(array, by_name(small_fashion)[spec.array])
        assert array.dtype == np.uint8 and array.flags.writeable
    assert data.parse_idx(idx_bytes(np.zeros((2, 3, 4), np.uint8))).shape == (2, 3, 4)


def test_recompressed_copies_pass_the_same_content_check(small_fashion):
    keras_style, debian_style = gz_files(small_fashion), gz_files(small_fashion, debian_style=True)
    for spec in data.FASHION_FILES:
        assert keras_style[spec.name] != debian_style[spec.name]   # other bytes, as Debian's copies are
        np.testing.assert_array_equal(data.read_idx_gz(keras_style[spec.name], spec),
                                      data.read_idx_gz(debian_style[spec.name], spec))


@pytest.mark.parametrize("raw, message", [
    (b"\x01\x00\x08\x01" + struct.pack(">I", 2) + b"ab", "not an idx file"),
    (b"\x00\x00\x0d\x01" + struct.pack(">I", 2) + b"ab", "not unsigned bytes"),
    (b"\x00\x00\x08\x03" + struct.pack(">I", 2), "truncated"),
    (b"\x00\x00\x08\x01" + struct.pack(">I", 3) + b"ab", "header announces shape"),
    (b"\x00\x00\x08\x01" + struct.pack(">I", 1) + b"ab", "header announces shape"),
])
def test_parse_idx_refuses_malformed_files(raw, message):
    with pytest.raises(ValueError, match=message):
        data.parse_idx(raw)


def test_read_idx_gz_refuses_bad_gzip_and_wrong_content(small_fashion):
    spec = data.FASHION_FILES[0]
    body = gz_files(small_fashion)[spec.name]
    with pytest.raises(ValueError, match="not a readable gzip file"):
        data.read_idx_gz(b"plain bytes, not gzip", spec)
    with pytest.raises(ValueError, match="not a readable gzip file"):
        data.read_idx_gz(body[: len(body) // 2], spec)
    wrong = gzip.compress(idx_bytes(np.zeros(21, np.uint8)))
    with pytest.raises(ValueError, match="sha256 of its content"):
        data.read_idx_gz(wrong, spec)


# ---------------------------------------------------------------- verification


def test_verification_refuses_wrong_shapes_dtypes_and_counts(small_fashion):
    (x, y), test = small_fashion
    data.verify_fashion(small_fashion)
    with pytest.raises(ValueError, match="shape"):
        data.verify_fashion(((x[:, :27], y), test))
    with pytest.raises(ValueError, match="shape"):
        data.verify_fashion(((x[:-1], y[:-1]), test))
    with pytest.raises(ValueError, match="dtype"):
        data.verify_fashion(((x.astype(np.float32), y), test))
    with pytest.raises(ValueError, match="label counts"):
        data.verify_fashion(((x, np.zeros_like(y)), test))
    with pytest.raises(ValueError, match="all black"):
        data.verify_fashion(((np.zeros_like(x), y), test))


def test_the_real_constants():
    assert data.FASHION_TRAIN_COUNTS == (6000,) * 10 and data.FASHION_TEST_COUNTS == (1000,) * 10
    assert len(data.FASHION_CLASSES) == 10 and data.FASHION_CLASSES[0] == "T-shirt/top"
    assert data.FASHION_CLASSES[9] == "Ankle boot"
    assert [spec.name for spec in data.FASHION_FILES] == ["train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
                                                          "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"]
    assert data.fashion_cache_path().parent == data.cache_path().parent
    assert data.fashion_cache_path().name == "fashion_mnist.npz"


@pytest.mark.skipif(not all((data.FASHION_DEBIAN_DIR / spec.name).is_file() for spec in data.FASHION_FILES),
                    reason="Debian's dataset-fashion-mnist is not installed (.ci/run installs it)")
def test_debian_package_files_are_the_canonical_data():
    """The pinned content sha256 and label counts are those of the real files (installed by .ci/run)."""
    arrays = data.from_fashion_debian()
    data.verify_fashion(arrays)
    (x_train, y_train), (x_test, y_test) = arrays
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert list(np.bincount(y_train)) == [6000] * 10 and list(np.bincount(y_test)) == [1000] * 10


# ---------------------------------------------------------------- the cache


def test_cache_round_trip_then_no_source_is_touched(small_fashion, monkeypatch):
    write_files(data.FASHION_DEBIAN_DIR, small_fashion, debian_style=True)
    monkeypatch.setattr(data, "download", lambda url: pytest.fail("no download expected: 127.0.0.1 stands in"))
    monkeypatch.setattr(data, "FASHION_SOURCES", (("Debian package dataset-fashion-mnist", data.from_fashion_debian),))
    assert_same(data.load_fashion_mnist(verbose=False), small_fashion)
    path = data.fashion_cache_path()
    assert path.exists() and path.with_name(path.name + ".sha256").exists()
    assert not data.cache_path().exists()   # MNIST's cache is another file
    assert_same(data.read_cache(path, data.verify_fashion), small_fashion)
    monkeypatch.setattr(data, "FASHION_SOURCES", ())
    assert_same(data.load_fashion_mnist(verbose=False), small_fashion)


@pytest.mark.parametrize("damage", DAMAGES)
def test_damaged_cache_is_detected_and_replaced(small_fashion, monkeypatch, damage, capsys):
    path = data.fashion_cache_path()
    write_damaged_cache(path, small_fashion, damage)
    monkeypatch.setattr(data, "FASHION_SOURCES", (("Keras download", lambda: small_fashion),))
    assert_same(data.load_fashion_mnist(), small_fashion)
    assert_same(data.read_cache(path, data.verify_fashion), small_fashion)   # replaced by a verified copy
    assert "Fashion-MNIST: the cache at" in capsys.readouterr().out


# ---------------------------------------------------------------- the sources, in order


def test_keras_own_files_are_used_without_a_download(small_fashion, monkeypatch):
    write_files(data.keras_fashion_dir(), small_fashion)
    monkeypatch.setattr(data, "download", lambda url: pytest.fail("downloaded although Keras's files were there"))
    assert_same(data.load_fashion_mnist(verbose=False), small_fashion)


def test_download_fetches_keras_files_and_verifies_them(small_fashion, monkeypatch):
    files = gz_files(small_fashion)
    bad = data.keras_fashion_dir() / data.FASHION_FILES[1].name   # one local file damaged: fetched again
    write_files(data.keras_fashion_dir(), small_fashion)
    bad.write_bytes(b"damaged")
    with file_server(files) as (url, asked):
        monkeypatch.setattr(data, "FASHION_URL", url)
        assert_same(data.from_fashion_keras(), small_fashion)
        assert asked == ["/" + data.FASHION_FILES[1].name]
        bad.unlink()
        files[data.FASHION_FILES[1].name] = files[data.FASHION_FILES[0].name]   # the server sends the wrong file
        with pytest.raises(RuntimeError, match=r"no file at .*download: ValueError: .*sha256 of its content"):
            data.from_fashion_keras()


def test_silent_download_times_out_and_falls_through_to_debian(small_fashion, monkeypatch, capsys):
    write_files(data.FASHION_DEBIAN_DIR, small_fashion, debian_style=True)
    monkeypatch.setattr(data, "DOWNLOAD_TIMEOUT_S", 1)
    with silent_server() as url:
        monkeypatch.setattr(data, "FASHION_URL", url)
        start = time.monotonic()
        with pytest.raises(RuntimeError, match=r"did not answer within 1 s \(timed out\)"):
            data.from_fashion_keras()
        assert_same(data.load_fashion_mnist(), small_fashion)
        assert time.monotonic() - start < 6
    out = capsys.readouterr().out
    assert "fetching from the Keras download" in out
    assert "fetching from the Debian package dataset-fashion-mnist" in out
    assert_same(data.read_cache(data.fashion_cache_path(), data.verify_fashion), small_fashion)


def test_damaged_debian_file_is_refused(small_fashion, monkeypatch):
    folder = write_files(data.FASHION_DEBIAN_DIR, small_fashion, debian_style=True)
    (folder / data.FASHION_FILES[3].name).write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x01x"))
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte.gz: the sha256 of its content"):
        data.from_fashion_debian()


def test_all_sources_failing_gives_one_clear_message(small_fashion, monkeypatch):
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]   # closed when the block ends: nothing listens there any more
    monkeypatch.setattr(data, "FASHION_URL", f"http://127.0.0.1:{port}/")
    with pytest.raises(data.FashionMnistUnavailableError) as info:
        data.load_fashion_mnist(verbose=False)
    assert isinstance(info.value, data.DataUnavailableError) and not isinstance(info.value, data.MnistUnavailableError)
    message = str(info.value)
    for expected in ("Could not load Fashion-MNIST", "1. local cache", "no file there yet",
                     "2. Keras download", "no file at", "refused",
                     "3. Debian package dataset-fashion-mnist", "is not installed",
                     "sudo apt-get install dataset-fashion-mnist", str(data.FASHION_DEBIAN_DIR),
                     *(spec.name for spec in data.FASHION_FILES), str(data.keras_fashion_dir()),
                     "~/.keras/datasets/fashion-mnist/", data.CACHE_ENV):
        assert expected in message, expected


def test_prefetch_command(small_fashion, monkeypatch, capsys):
    assert data.main(["--fashion"]) == 1
    err = capsys.readouterr().err
    assert "Could not load Fashion-MNIST" in err and "Traceback" not in err
    write_files(data.FASHION_DEBIAN_DIR, small_fashion, debian_style=True)
    def offline(url):
        raise TimeoutError(f"{url} did not answer (offline)")
    monkeypatch.setattr(data, "download", offline)
    assert data.main(["--fashion"]) == 0
    out = capsys.readouterr().out
    assert f"Fashion-MNIST ready: 21 train and 11 test images, verified, cached at {data.fashion_cache_path()}" in out
    assert not data.cache_path().exists()   # `python -m helpers.data --fashion` leaves MNIST alone
