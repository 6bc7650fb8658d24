"""JPEG test files for microlearn.jpeg's tests (host and device): synthetic
images and crops of scikit-learn's two sample photos, written by cjpeg
(libjpeg-turbo-progs: any sampling factors, restart intervals) and by Pillow,
with Pillow's decoding (libjpeg-turbo) as the reference."""
import io
import shutil
import subprocess

import numpy as np
from PIL import Image

# Sampling factors (cjpeg -sample, Y Cb Cr) -> name.
SAMPLINGS = {"1x1,1x1,1x1": "444", "2x1,1x1,1x1": "422", "2x2,1x1,1x1": "420", "4x1,1x1,1x1": "411",
             "1x2,1x1,1x1": "440", "4x2,1x1,1x1": "410", "1x1,2x2,2x2": "lumasub", "2x2,1x1,2x2": "mixed"}


def synthetic(w, h, seed=0):
    """Smooth colour gradients, sharp edges and noise: every frequency band."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(float)
    a = np.stack([128 + 100 * np.sin(x / 7.0 + y / 11.0), 128 + 90 * np.cos(x / 5.0 - y / 9.0),
                  (x * 3 + y * 2) % 256], -1)
    a[(x // 6 + y // 5) % 3 == 0] = [250, 10, 40]   # saturated blocks: chroma edges, clipping
    a = a + rng.normal(0, 10, a.shape)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "RGB")


def photo(w, h, which=0, at=(0, 0)):
    """A w x h crop of scikit-learn's sample photos (china.jpg, flower.jpg)."""
    from sklearn.datasets import load_sample_image
    a = load_sample_image(["china.jpg", "flower.jpg"][which])
    return Image.fromarray(a[at[1]:at[1] + h, at[0]:at[0] + w])


def have_cjpeg():
    return shutil.which("cjpeg") is not None


def cjpeg(img, quality=75, sample=None, restart=None, gray=False):
    """JPEG bytes of a Pillow image written by cjpeg."""
    buf = io.BytesIO()
    (img.convert("L") if gray else img.convert("RGB")).save(buf, "PPM")
    cmd = ["cjpeg", "-quality", str(quality)]
    if gray:
        cmd.append("-grayscale")
    if sample:
        cmd += ["-sample", sample]
    if restart:
        cmd += ["-restart", restart]
    return subprocess.run(cmd, input=buf.getvalue(), capture_output=True, check=True).stdout


def pillow_jpeg(img, **kw):
    buf = io.BytesIO()
    img.save(buf, "JPEG", **kw)
    return buf.getvalue()


def reference(data, mode, scale=1):
    """Pillow's pixels: (h, w) for mode "L", (h, w, 3) for "RGB"; at 1 / scale
    the full decode reduced by box averages (Image.reduce)."""
    img = Image.open(io.BytesIO(data)).convert("RGB")
    if scale > 1:
        img = img.reduce(scale)
    return np.asarray(img.convert("L") if mode == "L" else img)


def cases(small=False):
    """name -> JPEG bytes: every sampling, grayscale, qualities 10..100, sizes
    not multiples of 8 or 16, restart intervals, Pillow's own files."""
    out = {}
    sizes = [(1, 1), (7, 5), (37, 29), (97, 61)] if not small else [(7, 5), (37, 29)]
    qualities = [10, 50, 90, 100] if not small else [30, 95]
    for i, (w, h) in enumerate(sizes):
        imgs = {"syn": synthetic(w, h, seed=i), "photo": photo(w, h, i % 2, (40 * i, 30 * i))}
        for kind, img in imgs.items():
            for q in qualities:
                for sample, name in SAMPLINGS.items():
                    if small and name not in ("444", "420", "411", "mixed"):
                        continue
                    out[f"{kind}_{w}x{h}_q{q}_{name}"] = cjpeg(img, q, sample)
                out[f"{kind}_{w}x{h}_q{q}_gray"] = cjpeg(img, q, gray=True)
            out[f"{kind}_{w}x{h}_rst1_420"] = cjpeg(img, 80, "2x2,1x1,1x1", restart="1B")
            out[f"{kind}_{w}x{h}_rst3_422"] = cjpeg(img, 80, "2x1,1x1,1x1", restart="3B")
            out[f"{kind}_{w}x{h}_rstrow_444"] = cjpeg(img, 80, "1x1,1x1,1x1", restart="1")
            out[f"{kind}_{w}x{h}_pillow"] = pillow_jpeg(img, quality=85, optimize=True)
    return out
