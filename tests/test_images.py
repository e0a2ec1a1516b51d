"""A folder of image files becomes a training set (helpers.images), the DCGAN takes other image shapes, patch FD
measures any images, and the plots draw colour (notebook 07)."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from helpers import images, layers, metrics, plots


def _save(path, array, mode=None):
    Image.fromarray(array, mode).save(path) if mode else Image.fromarray(array).save(path)
    return path


@pytest.fixture
def mixed_folder(tmp_path):
    """Colour and grey files of several sizes and formats, one in a subfolder, plus files that are not images."""
    rng = np.random.default_rng(0)
    (tmp_path / "sub").mkdir()
    _save(tmp_path / "a.png", rng.integers(0, 255, (40, 60, 3), dtype=np.uint8))
    _save(tmp_path / "b.JPG", rng.integers(0, 255, (90, 50, 3), dtype=np.uint8))
    _save(tmp_path / "sub" / "c.png", rng.integers(0, 255, (33, 33, 3), dtype=np.uint8))
    rgba = rng.integers(0, 255, (20, 20, 4), dtype=np.uint8)
    _save(tmp_path / "d.png", rgba)
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / ".hidden.png").write_bytes(b"")
    return tmp_path


def test_image_files_finds_images_in_subfolders_and_skips_the_rest(mixed_folder):
    names = [p.name for p in images.image_files(mixed_folder)]
    assert names == ["a.png", "b.JPG", "d.png", "c.png"]


def test_a_missing_folder_says_which_parameter_to_set(tmp_path):
    with pytest.raises(FileNotFoundError, match="IMAGE_FOLDER"):
        images.image_files(tmp_path / "nope")


def test_a_folder_without_images_says_what_it_holds(tmp_path):
    (tmp_path / "x.csv").write_text("1,2")
    with pytest.raises(ValueError, match=r"no image files.*\.csv"):
        images.image_files(tmp_path)


def test_load_folder_gives_uint8_squares_of_the_asked_size(mixed_folder, capsys):
    x = images.load_folder(mixed_folder, size=16, colour=True)
    assert x.shape == (4, 16, 16, 3) and x.dtype == np.uint8
    assert "4 images" in capsys.readouterr().out


def test_load_folder_decides_colour_from_the_pictures(tmp_path):
    grey = np.tile(np.arange(0, 250, 5, dtype=np.uint8), (50, 1))
    for i in range(3):
        _save(tmp_path / f"g{i}.png", np.stack([grey] * 3, axis=-1))       # RGB files holding grey pictures
    assert images.load_folder(tmp_path, size=8, verbose=False).shape[-1] == 1
    _save(tmp_path / "c0.png", np.random.default_rng(0).integers(0, 255, (50, 50, 3), dtype=np.uint8))
    _save(tmp_path / "c1.png", np.random.default_rng(1).integers(0, 255, (50, 50, 3), dtype=np.uint8))
    _save(tmp_path / "c2.png", np.random.default_rng(2).integers(0, 255, (50, 50, 3), dtype=np.uint8))
    _save(tmp_path / "c3.png", np.random.default_rng(3).integers(0, 255, (50, 50, 3), dtype=np.uint8))
    assert images.load_folder(tmp_path, size=8, verbose=False).shape[-1] == 3


def test_unreadable_files_are_skipped_and_reported(mixed_folder, capsys):
    (mixed_folder / "broken.png").write_bytes(b"\x89PNG not really")
    x = images.load_folder(mixed_folder, size=8, colour=False)
    assert len(x) == 4 and "skipped 1 unreadable: broken.png" in capsys.readouterr().out


def test_a_folder_of_only_broken_files_is_refused(tmp_path):
    (tmp_path / "broken.jpg").write_bytes(b"nope")
    with pytest.raises(ValueError, match="none of the 1 files"):
        images.load_folder(tmp_path, size=8, colour=True)


@pytest.mark.parametrize("size", [6, 30])
def test_a_size_the_dcgan_cannot_make_is_refused(mixed_folder, size):
    with pytest.raises(ValueError, match="multiple of 4"):
        images.load_folder(mixed_folder, size=size)


def test_crop_keeps_the_centre_and_pad_keeps_everything():
    wide = np.zeros((10, 30), np.uint8)
    wide[:, 10:20] = 255                                   # a white centre third
    img = Image.fromarray(wide)
    cropped = np.asarray(images.fit_square(img, "crop"))
    padded = np.asarray(images.fit_square(img, "pad"))
    assert cropped.shape == (10, 10) and cropped.min() == 255
    assert padded.shape == (30, 30) and (padded == 255).sum() == (wide == 255).sum()
    with pytest.raises(ValueError, match="'crop'.*'pad'"):
        images.fit_square(img, "stretch")


def test_transparent_pixels_become_white_and_16_bit_greys_are_rescaled():
    rgba = np.zeros((4, 4, 4), np.uint8)                   # fully transparent black
    assert np.asarray(images.to_mode(Image.fromarray(rgba), colour=True)).min() == 255
    deep = Image.fromarray(np.array([[0, 1000], [2000, 4000]], np.uint16))
    grey = np.asarray(images.to_mode(deep, colour=False))
    assert grey.dtype == np.uint8 and grey.min() == 0 and grey.max() == 255


def test_prepare_makes_one_array_per_picture():
    img = Image.fromarray(np.random.default_rng(0).integers(0, 255, (50, 70, 3), dtype=np.uint8))
    assert images.prepare(img, 12, colour=True).shape == (12, 12, 3)
    assert images.prepare(img, 12, colour=False, fit="pad").shape == (12, 12, 1)


def test_write_patches_writes_the_folder_once_and_keeps_it(tmp_path):
    folder = images.write_patches(tmp_path / "patches", n=12, seed=3)
    files = images.image_files(folder)
    assert len(files) == 12 and {p.suffix for p in files} == {".png", ".jpg"}
    sizes = {Image.open(p).size for p in files}
    assert len(sizes) > 1 and all(w == h for w, h in sizes)        # squares of several sizes
    stamp = files[0].stat().st_mtime_ns
    images.write_patches(folder, n=12, seed=3)
    assert files[0].stat().st_mtime_ns == stamp                    # same settings: kept
    images.write_patches(folder, n=8, seed=3)
    assert len(images.image_files(folder)) == 8                    # other settings: rewritten
    assert json.loads((folder / "patches.json").read_text())["n"] == 8
    assert [p.name for p in tmp_path.iterdir()] == ["patches"]     # no temporary folder left behind


def test_write_patches_never_overwrites_a_folder_it_did_not_write(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "photo.png").write_bytes(b"x")
    with pytest.raises(FileExistsError, match="did not write"):
        images.write_patches(tmp_path / "mine", n=4)
    assert (tmp_path / "mine" / "photo.png").exists()


@pytest.mark.parametrize("shape", [(32, 32, 3), (16, 16, 1), (64, 64, 3)])
def test_the_dcgan_makes_and_judges_other_image_shapes(shape):
    players = layers.OWN_IMAGES.for_images(shape).build()
    fake = players.generator(np.zeros((2, 100), "float32"), training=False)
    assert tuple(fake.shape) == (2, *shape)
    assert tuple(players.discriminator(fake).shape) == (2, 1)


def test_the_default_shape_builds_notebook_03s_networks_unchanged():
    g = layers.DCGAN.generator.build()
    assert tuple(g.output_shape) == (None, 28, 28, 1) and g.count_params() == 460_673
    assert layers.DCGAN.discriminator.build().count_params() == 435_617


@pytest.mark.parametrize("shape", [(30, 30, 3), (32, 28, 1), (32, 32, 2)])
def test_a_shape_the_dcgan_cannot_make_is_refused(shape):
    with pytest.raises(ValueError, match="divisible by 4"):
        layers.OWN_IMAGES.for_images(shape)


def test_only_dcgan_specs_change_their_image_shape():
    with pytest.raises(ValueError, match="ConvG, ConvD"):
        layers.DENSE.for_images((32, 32, 3))


def _textures(n, seed, blur=False):
    rng = np.random.default_rng(seed)
    x = np.sign(np.sin(rng.uniform(0.5, 1.5, (n, 1, 1, 1)) * np.arange(16)[None, :, None, None]
                       + rng.uniform(0, 6, (n, 1, 1, 1)))) * np.ones((1, 1, 16, 1))
    if blur:
        x = metrics.halve(x).repeat(2, axis=1).repeat(2, axis=2)
    return x.astype(np.float32)


def test_patch_fd_puts_real_near_its_floor_and_blurred_or_noise_far():
    real, held_out = _textures(600, 0), _textures(600, 1)
    floor = metrics.patch_fd(real, held_out, levels=2)
    blurred = metrics.patch_fd(real, _textures(600, 1, blur=True), levels=2)
    noise = metrics.patch_fd(real, np.random.default_rng(2).uniform(-1, 1, real.shape), levels=2)
    assert floor < blurred < noise and floor < 0.2 * blurred


def test_patch_fd_reads_uint8_and_tanh_images_alike():
    x = np.random.default_rng(0).integers(0, 256, (50, 16, 16, 3), dtype=np.uint8)
    y = np.random.default_rng(1).integers(0, 256, (50, 16, 16, 3), dtype=np.uint8)
    tanh = (x.astype(np.float32) - 127.5) / 127.5
    assert metrics.patch_fd(x, y, levels=2) == pytest.approx(metrics.patch_fd(tanh, y, levels=2))


def test_patch_fd_refuses_sets_of_different_shapes():
    with pytest.raises(ValueError, match="same image shape"):
        metrics.patch_fd(np.zeros((4, 16, 16, 1)), np.zeros((4, 16, 16, 3)))


def test_halve_averages_each_2x2_block():
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    assert metrics.halve(x)[0, :, :, 0].tolist() == [[2.5, 4.5], [10.5, 12.5]]


def test_colour_images_are_drawn_in_a_grid_tile_and_gif():
    x = np.random.default_rng(0).integers(0, 255, (6, 12, 12, 3), dtype=np.uint8)
    assert plots.tile(x, ncols=3).shape == (2 * 14 + 2, 3 * 14 + 2, 3)
    assert plots.animated_gif([x, x])[:6] == b"GIF89a"
    fig = plots.image_grid(x, ncols=3)
    assert fig.axes[0].images[0].get_array().shape == (12, 12, 3)


# ---------------------------------------------------------------- real photo folders (issue 23)


def _upright_photo(path, orientation: int, fmt: str = "JPEG"):
    """A 60x40 grey picture, white on its upper half when seen upright, stored as a phone stores it: pixels turned
    and an EXIF orientation tag that turns them back."""
    upright = np.zeros((60, 40), np.uint8)
    upright[:30] = 255
    undo = {1: None, 3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}
    img = Image.fromarray(upright)
    stored = img.transpose(undo[orientation]) if undo[orientation] is not None else img
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored.save(path, fmt, exif=exif)
    return path


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_phone_photos_load_upright_by_their_exif_orientation(tmp_path, orientation):
    _upright_photo(tmp_path / "photo.jpg", orientation)
    x = images.load_folder(tmp_path, size=8, colour=False, fit="pad", verbose=False)
    assert x.shape == (1, 8, 8, 1)
    assert x[0, :3].mean() > 200 and x[0, -3:].mean() < 50          # white on top, as the phone showed it
    img = images.open_picture(tmp_path / "photo.jpg")
    assert img.size == (40, 60)                                     # portrait, as taken


def test_a_picture_over_pillows_pixel_limit_is_named_not_fatal(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)            # limit 2,000 pixels: 100x100 is a "bomb"
    rng = np.random.default_rng(0)
    for i in range(3):
        _save(tmp_path / f"small{i}.png", rng.integers(0, 255, (20, 20, 3), dtype=np.uint8))
    _save(tmp_path / "huge.png", rng.integers(0, 255, (100, 100, 3), dtype=np.uint8))
    Image.fromarray(rng.integers(0, 255, (100, 100, 3), dtype=np.uint8)).save(tmp_path / "huge.jpg", quality=90)
    x = images.load_folder(tmp_path, size=8, colour=None)          # 07's default: colour decided from the files
    out = capsys.readouterr().out
    assert len(x) == 4                                              # the huge JPEG is read at a reduced scale
    assert "skipped 1 unreadable: huge.png (0 Mpx, over Pillow's safety limit" in out and "shrink it" in out
    assert Image.MAX_IMAGE_PIXELS == 1000                           # the limit is left as it was


def test_kinds_of_files_pillow_cannot_read_are_named_with_what_to_do(tmp_path, capsys):
    rng = np.random.default_rng(0)
    for i in range(2):
        _save(tmp_path / f"p{i}.png", rng.integers(0, 255, (20, 20, 3), dtype=np.uint8))
    for i in range(3):
        (tmp_path / f"IMG_{i}.HEIC").write_bytes(b"\x00\x00\x00\x18ftypheic")
    (tmp_path / "notes.txt").write_text("x")
    x = images.load_folder(tmp_path, size=8, colour=True)
    out = capsys.readouterr().out
    assert len(x) == 2
    assert "3 .heic files skipped: Pillow cannot read HEIC/HEIF photos" in out and "convert them to JPEG" in out
    assert "1 .txt file skipped: not a picture file" in out
    assert [p.name for p in images.last_report().other_kinds[".heic"]] == ["IMG_0.HEIC", "IMG_1.HEIC", "IMG_2.HEIC"]


def test_avif_pictures_are_read_when_pillow_reads_them(tmp_path):
    if ".avif" not in images.picture_suffixes():
        pytest.skip("this Pillow has no AVIF support")
    rng = np.random.default_rng(0)
    _save(tmp_path / "p.png", rng.integers(0, 255, (20, 20, 3), dtype=np.uint8))
    Image.fromarray(rng.integers(0, 255, (20, 20, 3), dtype=np.uint8)).save(tmp_path / "q.avif")
    assert len(images.load_folder(tmp_path, size=8, colour=True, verbose=False)) == 2


def test_every_unreadable_file_is_listed_and_the_printout_stays_short(tmp_path, capsys):
    _save(tmp_path / "good.png", np.zeros((20, 20, 3), np.uint8))
    for i in range(13):
        (tmp_path / f"broken{i:02d}.jpg").write_bytes(b"not a jpeg")
    x = images.load_folder(tmp_path, size=8, colour=False)
    out = capsys.readouterr().out
    assert len(x) == 1 and "skipped 13 unreadable" in out
    assert "broken09.jpg" in out and "broken10.jpg" not in out and "and 3 more: print(images.last_report())" in out
    listing = str(images.last_report())
    assert all(f"broken{i:02d}.jpg: not a picture Pillow can read" in listing for i in range(13))


def _truncated_jpeg(path):
    rng = np.random.default_rng(1)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(buffer, "JPEG", quality=95)
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    return path


def test_a_truncated_jpeg_is_skipped_by_the_preview_and_the_loader(tmp_path, capsys):
    _truncated_jpeg(tmp_path / "a_truncated.jpg")
    for i in range(3):
        _upright_photo(tmp_path / f"b{i}.jpg", 6)
    with Image.open(tmp_path / "a_truncated.jpg") as img:           # its header alone reads fine ...
        assert img.size == (64, 64)
    shown = images.first_pictures(images.image_files(tmp_path), 2)  # ... its pixels do not
    assert [img.size for img in shown] == [(40, 60), (40, 60)]
    assert "skipped 1 unreadable: a_truncated.jpg (damaged or truncated" in capsys.readouterr().out
    with pytest.raises(images.UnreadablePicture, match="damaged or truncated"):
        images.open_picture(tmp_path / "a_truncated.jpg")
    assert len(images.load_folder(tmp_path, size=8, verbose=False)) == 3
    assert images.last_report().unreadable[0][0].name == "a_truncated.jpg"


@pytest.mark.parametrize("kwargs, error, message", [
    ({"size": 32.0}, TypeError, "size=32.0: use a whole number"),
    ({"size": "32"}, TypeError, "size='32'"),
    ({"size": True}, TypeError, "size=True"),
    ({"colour": "rgb"}, TypeError, "colour='rgb': use True"),
    ({"colour": 3}, TypeError, "colour=3"),
    ({"fit": "stretch"}, ValueError, "'crop'.*'pad'"),
    ({"limit": 0}, ValueError, "limit=0: use a whole number"),
    ({"limit": -1}, ValueError, "limit=-1"),
    ({"limit": 2.5}, ValueError, "limit=2.5"),
])
def test_bad_arguments_are_named_before_any_file_is_read(mixed_folder, kwargs, error, message):
    with pytest.raises(error, match=message):
        images.load_folder(mixed_folder, **kwargs)


def test_a_folder_that_is_none_or_a_file_says_what_to_set(mixed_folder):
    with pytest.raises(TypeError, match="set IMAGE_FOLDER to a folder of pictures"):
        images.load_folder(None)
    with pytest.raises(NotADirectoryError, match="is a file: set IMAGE_FOLDER to the folder that holds"):
        images.load_folder(mixed_folder / "a.png")


@pytest.mark.parametrize("kwargs, message", [({"n": 0}, "n=0: use a whole number"), ({"n": 2.5}, "n=2.5"),
                                             ({"min_side": 90, "max_side": 60}, "min_side=90 is larger")])
def test_write_patches_names_a_bad_argument(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        images.write_patches(tmp_path / "patches", **kwargs)
    assert not (tmp_path / "patches").exists()


def test_a_folder_of_only_heic_photos_says_what_to_do(tmp_path):
    (tmp_path / "IMG_1.heic").write_bytes(b"\x00\x00\x00\x18ftypheic")
    with pytest.raises(ValueError, match=r"holds no image files.*1 \.heic file skipped: Pillow cannot read HEIC"):
        images.load_folder(tmp_path)


def test_load_folder_prints_the_folder_relative_to_home(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "Pictures").mkdir()
    _save(tmp_path / "Pictures" / "a.png", np.zeros((20, 20, 3), np.uint8))
    images.load_folder(tmp_path / "Pictures", size=8, colour=True)
    out = capsys.readouterr().out
    assert out.startswith("1 images from ~/Pictures, 8x8 colour") and str(tmp_path) not in out


def test_a_picture_of_ordinary_size_is_prepared_from_its_full_decode(tmp_path):
    rng = np.random.default_rng(1)
    Image.fromarray(rng.integers(0, 255, (160, 150, 3), dtype=np.uint8)).save(tmp_path / "a.jpg", quality=90)
    x = images.load_folder(tmp_path, size=32, colour=True, verbose=False)
    with Image.open(tmp_path / "a.jpg") as img:
        img.load()
        expected = images.prepare(img, 32, True, "crop")
    np.testing.assert_array_equal(x[0], expected)      # what notebook 07 checks its own preparation against
