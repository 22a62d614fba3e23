#!/usr/bin/env python3
# Native OpenCV's face detection speed, the baseline of issue 4's "as fast as native OpenCV on one thread":
# cv2.CascadeClassifier.detectMultiScale (OpenCV's C++ with its own SIMD), one thread (cv2.setNumThreads(1)),
# on the same RGBA frame as benchmarks/detect.mjs (raw bytes in a file), grey conversion included as ours
# and OpenCV.js include it. Not a project dependency: run where Debian's python3-opencv is installed
# (apt install python3-opencv). Prints one JSON line: median ms per detection, runs, boxes.
#   python3 benchmarks/peers/opencv-native.py --rgba FILE --width 640 --height 480 --cascade XML
#           [--scale-factor 1.1] [--min-neighbors 3] [--min-size 0] [--time-ms 1000]
import argparse, json, time
import cv2
import numpy as np

p = argparse.ArgumentParser()
p.add_argument("--rgba", required=True)
p.add_argument("--width", type=int, required=True)
p.add_argument("--height", type=int, required=True)
p.add_argument("--cascade", required=True)
p.add_argument("--scale-factor", type=float, default=1.1)
p.add_argument("--min-neighbors", type=int, default=3)
p.add_argument("--min-size", type=int, default=0)
p.add_argument("--time-ms", type=float, default=1000)
a = p.parse_args()
cv2.setNumThreads(1)
rgba = np.fromfile(a.rgba, dtype=np.uint8).reshape(a.height, a.width, 4)
det = cv2.CascadeClassifier(a.cascade)
if det.empty():
    raise SystemExit(f"{a.cascade}: OpenCV could not load the cascade")


def detect():
    grey = cv2.cvtColor(rgba, cv2.COLOR_RGBA2GRAY)
    return det.detectMultiScale(grey, scaleFactor=a.scale_factor, minNeighbors=a.min_neighbors, minSize=(a.min_size, a.min_size))


for _ in range(3):
    detect()
times = []
end = time.perf_counter() + a.time_ms / 1000
while time.perf_counter() < end or len(times) < 3:
    t0 = time.perf_counter()
    faces = detect()
    times.append((time.perf_counter() - t0) * 1000)
times.sort()
boxes = sorted([[int(v) for v in f] for f in faces])
print(json.dumps({"opencv": cv2.__version__, "threads": cv2.getNumThreads(), "ms": times[len(times) // 2], "runs": len(times), "boxes": boxes}))
