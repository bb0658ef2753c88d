"""`python -m kiosk.camera --camera SOURCE`: check a camera at the counter without the UI.

Prints one JSON object: what the source actually gives (a webcam may refuse 1080p MJPG 30 fps),
the detector in use, and the guidance of the last analysed frames. No image is written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import cv2

from kiosk.camera.quality import FaceAnalyzer, make_detector
from kiosk.camera.sources import SourceError, open_source


def add_camera_argument(parser: argparse.ArgumentParser, default: str = "0") -> None:
    parser.add_argument(
        "--camera",
        default=default,
        help="webcam index, video file, or 'synthetic' (default: %(default)s)",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.camera", description=__doc__)
    add_camera_argument(parser)
    parser.add_argument("--frames", type=int, default=30, help="frames to analyse")
    parser.add_argument("--face-model", default=os.environ.get("KIOSK_FACE_MODEL"))
    args = parser.parse_args(argv)
    try:
        source = open_source(args.camera)
    except SourceError as exc:
        print(json.dumps({"ok": False, "help_code": exc.help_code, "detail": exc.detail}))
        return 2
    detector = make_detector(args.face_model)
    analyzer = FaceAnalyzer(detector)
    guidance: list[str] = []
    read = 0
    try:
        info = source.describe()
        for _ in range(args.frames):
            ok, frame = source.read()
            if not ok or frame is None:
                break
            read += 1
            h, w = frame.shape[:2]
            aw = min(640, w)
            small = cv2.resize(frame, (aw, round(h * aw / w)), interpolation=cv2.INTER_AREA)
            guidance.append(analyzer.analyse(small, w).primary)
    finally:
        source.release()
    print(
        json.dumps(
            {
                "ok": read > 0,
                "source": info.__dict__,
                "detector": detector.name,
                "frames_read": read,
                "last_guidance": guidance[-5:],
            },
            ensure_ascii=False,
        )
    )
    return 0 if read else 3


if __name__ == "__main__":
    sys.exit(main())
