"""Generates the repo's sample images (no photos are committed).

Writes a few deterministic synthetic images to the given folder: smooth
"natural" 1/f-noise images and the same content up-sampled by a nearest-
neighbour 2x step (the kind of up-sampling artefact the method detects), as
JPEG and PNG, at 128, 256 and 1024 pixels, plus odd and non-square sizes.
"""
import os
import sys

import cv2
import numpy as np


def pink_noise(h, w, rng, alpha=1.0):
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    f = np.hypot(fy, fx)
    f[0, 0] = 1.0
    spec = (rng.standard_normal((h, w // 2 + 1)) + 1j * rng.standard_normal((h, w // 2 + 1))) / f ** alpha
    img = np.fft.irfft2(spec, s=(h, w))
    img = (img - img.min()) / (img.max() - img.min())
    return img


def main(out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(20261126)
    made = []
    for size in (128, 256, 1024):
        base = pink_noise(size, size, rng)
        color = np.stack([base, np.roll(base, 3, 0), np.roll(base, 5, 1)], axis=2)
        natural = (color * 255).astype(np.uint8)
        half = cv2.resize(natural, (size // 2, size // 2), interpolation=cv2.INTER_AREA)
        upsampled = cv2.resize(half, (size, size), interpolation=cv2.INTER_NEAREST)
        for name, img in (("natural", natural), ("upsampled", upsampled)):
            p = os.path.join(out, f"{name}_{size}.jpg")
            cv2.imwrite(p, img, [cv2.IMWRITE_JPEG_QUALITY, 90])
            made.append(p)
        p = os.path.join(out, f"natural_{size}.png")
        cv2.imwrite(p, natural)
        made.append(p)
    odd = (pink_noise(201, 333, rng) * 255).astype(np.uint8)
    p = os.path.join(out, "odd_333x201.png")
    cv2.imwrite(p, odd)
    made.append(p)
    print(f"{len(made)} sample images in {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".build-samples")
