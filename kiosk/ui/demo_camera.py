"""The demo camera: `kiosk demo` without a webcam can still complete a renewal.

Each demo holder has a registered face in the sandbox (GET /sandbox/v1/holders, "face"). The
demo camera plays a looping MJPG clip made from the matching public-domain live photo
(sandbox/data/faces/live/<face>.jpg, kiosk.camera.clips), through the normal `--camera FILE`
path: the photo and e-ID pages see a person standing at the kiosk, as with a webcam.
"""

from __future__ import annotations

import glob
import sys
from pathlib import Path

from kiosk.ui.pages import CONTEXT

DEMO = "demo"  # --camera demo
AUTO = "auto"  # kiosk demo's default: the demo camera when this machine has no webcam
CLIP_SIZE = (640, 480)
CLIP_SECONDS = 2.0
CLIP_FPS = 15.0


def has_webcam() -> bool:
    """Whether a webcam seems to be attached (Linux: /dev/video*; elsewhere assume so)."""
    if sys.platform.startswith("linux"):
        return bool(glob.glob("/dev/video*"))
    return True


def face_names() -> tuple[str, ...]:
    from sandbox.faces import FACE_NAMES

    return tuple(FACE_NAMES)


class DemoCamera:
    """Clips of the sandbox's live faces, made on first use in `directory`."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self.clips: dict[str, Path] = {}
        self.face: str | None = None

    def clip(self, face: str) -> Path:
        if face not in self.clips:
            import cv2
            import numpy as np

            from kiosk.camera.clips import write_portrait_clip
            from sandbox.faces import live_photo

            portrait = cv2.imdecode(np.frombuffer(live_photo(face), np.uint8), cv2.IMREAD_COLOR)
            if portrait is None:
                raise ValueError(f"the live photo of {face!r} did not decode")
            w, h = CLIP_SIZE
            self.clips[face] = write_portrait_clip(
                self.directory / f"demo-{face}.avi",
                [portrait],
                w,
                h,
                int(CLIP_SECONDS * CLIP_FPS),
                CLIP_FPS,
            )
        return self.clips[face]

    def use(self, face: str) -> None:
        """The next camera page plays `face`'s clip (a page already open keeps its own)."""
        CONTEXT.camera_source = str(self.clip(face))
        self.face = face
