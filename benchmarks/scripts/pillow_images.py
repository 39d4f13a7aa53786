"""Pillow (libjpeg-turbo) + ONNX Runtime: the reference for classify's decode and preprocessing.

  python pillow_images.py reference SHARED_DIR
      per photo in SHARED_DIR/images, as SharedPhotosTest pins them: SHA-256 of the decoded RGB
      pixels, full size and with Image.draft("RGB", (256, 256)) (libjpeg's DCT scaling, as
      classify decodes a JPEG for a 256-pixel resize; "draft=WxH/SCALE"), and the top-1 class of
      MobileNetV2 int8 and SqueezeNet 1.1 with the preprocessing the manifests declare (shorter
      side resized with Pillow's antialiased bilinear, centre crop, normalise) from either decode.
  python pillow_images.py serve SHARED_DIR
      the benchmark's other process (ClassifyBenchmark): reads "OP PHOTO" lines on stdin, runs the
      operation once and answers the nanoseconds it took. OP is decode (Image.open + load as
      RGB), draft (the same with Image.draft to the smallest DCT scale that keeps the shorter side
      >= 256, as the model needs), or floor (draft decode + resize/crop/normalise + ORT
      session.run of MobileNetV2 int8: the best Pillow can do, and what classify does).

Needs Pillow, numpy and onnxruntime (pip install pillow numpy onnxruntime).
"""
import hashlib
import io
import os
import sys
import time

import numpy as np
import onnxruntime as ort
from PIL import Image

MOBILENET = dict(model="mobilenetv2-12-int8.onnx", resize=256, crop=224, order="RGB", scale=1 / 255,
                 mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))
SQUEEZENET = dict(model="squeezenet1.1-caffe2_fp16.onnx", resize=256, crop=224, order="BGR", scale=1.0,
                  mean=(104.0, 117.0, 123.0), std=(1.0, 1.0, 1.0))


def decode(data, draft=None):
    image = Image.open(io.BytesIO(data))
    if draft:
        image.draft("RGB", (draft, draft))
    return image.convert("RGB")


def draft_scale(data, size):
    """The DCT scale's denominator Image.draft chose (1 for a PNG or when no scaling applies)."""
    image = Image.open(io.BytesIO(data))
    full = image.size
    image.draft("RGB", (size, size))
    return next(s for s in (8, 4, 2, 1) if (full[0] + s - 1) // s == image.size[0])


def tensor(image, p, dtype=np.float32):
    w, h = image.size
    if w <= h:
        size = (p["resize"], max(1, p["resize"] * h // w))
    else:
        size = (max(1, p["resize"] * w // h), p["resize"])
    resized = image.resize(size, Image.BILINEAR)
    top = int(round((size[1] - p["crop"]) / 2.0))
    left = int(round((size[0] - p["crop"]) / 2.0))
    crop = np.asarray(resized.crop((left, top, left + p["crop"], top + p["crop"])), dtype=np.float32)
    if p["order"] == "BGR":
        crop = crop[:, :, ::-1]
    x = (crop * p["scale"] - np.array(p["mean"], dtype=np.float32)) / np.array(p["std"], dtype=np.float32)
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None]).astype(dtype)


def session(shared, p):
    return ort.InferenceSession(os.path.join(shared, "models", p["model"]), providers=["CPUExecutionProvider"])


def photos(shared):
    folder = os.path.join(shared, "images")
    return sorted(f for f in os.listdir(folder) if f.lower().endswith((".jpg", ".jpeg", ".png")))


def reference(shared):
    models = [(name, p, session(shared, p)) for name, p in (("mobilenetv2", MOBILENET), ("squeezenet", SQUEEZENET))]
    for photo in photos(shared):
        data = open(os.path.join(shared, "images", photo), "rb").read()
        image = decode(data)
        drafted = decode(data, draft=MOBILENET["resize"])
        line = [photo, hashlib.sha256(image.tobytes()).hexdigest(),
                f"draft={drafted.size[0]}x{drafted.size[1]}/{draft_scale(data, MOBILENET['resize'])}",
                hashlib.sha256(drafted.tobytes()).hexdigest()]
        for name, p, s in models:
            inp = s.get_inputs()[0]
            for label, decoded in (("", image), ("draft ", drafted)):
                x = tensor(decoded, p, np.float16 if "float16" in inp.type else np.float32)
                scores = np.asarray(s.run(None, {inp.name: x})[0], dtype=np.float64).reshape(-1)
                top = np.argsort(-scores)[:2]
                line.append(f"{label}{name}={top[0]} (next {top[1]}, margin {scores[top[0]] - scores[top[1]]:.4f})")
        print(" ".join(line))


def serve(shared):
    s = session(shared, MOBILENET)
    name = s.get_inputs()[0].name
    cache = {}
    for line in sys.stdin:
        op, photo = line.split(maxsplit=1)
        photo = photo.strip()
        if photo not in cache:
            cache[photo] = open(photo if os.path.isabs(photo) else os.path.join(shared, "images", photo), "rb").read()
        data = cache[photo]
        t0 = time.perf_counter_ns()
        if op == "decode":
            decode(data)
        elif op == "draft":
            decode(data, draft=MOBILENET["resize"])
        elif op == "floor":
            scores = s.run(None, {name: tensor(decode(data, draft=MOBILENET["resize"]), MOBILENET)})[0]
            assert scores.shape[-1] == 1000
        else:
            raise SystemExit("unknown operation " + op)
        print(time.perf_counter_ns() - t0, flush=True)


if __name__ == "__main__":
    {"reference": reference, "serve": serve}[sys.argv[1]](sys.argv[2])
