"""Entry point of the packaged kiosk (packaging/kiosk.spec): the `kiosk` command, plus
`kiosk smoke PNG`, which `make package` runs on the built folder: the first screen of
`kiosk run`, offscreen, saved as a PNG once painted, with the time from process start."""

from __future__ import annotations

import sys
import time

STARTED = time.monotonic()


def smoke(path: str) -> int:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["KIOSK_QUIT_AFTER_FIRST_PAINT"] = "1"
    from kiosk import cli
    from kiosk.ui.app import ensure_app
    from kiosk.ui.launch import show_window

    app = ensure_app()
    module, args = cli.parse(["run", "--backend", "http://127.0.0.1:9", "--camera", "synthetic"])
    window, _flow = module.open_window(args)
    window.resize(1280, 900)
    show_window(window, fullscreen=False)
    app.exec()  # quits right after the first paint
    if not window.grab().save(path):
        sys.stderr.write(f"smoke: could not write {path}\n")
        return 1
    print(f"smoke: first screen painted and saved to {path} in {time.monotonic() - STARTED:.2f} s")
    return 0


def main() -> int:
    if sys.argv[1:2] == ["smoke"] and len(sys.argv) == 3:
        return smoke(sys.argv[2])
    from kiosk.cli import main as kiosk_main

    return kiosk_main()


if __name__ == "__main__":
    sys.exit(main())
