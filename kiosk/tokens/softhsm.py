"""A throw-away SoftHSM2 token in a temporary folder: the holder's token in tests and in a
desk walkthrough or demo when no PKCS#11 module is configured.

SoftHSM2 reads its configuration from $SOFTHSM2_CONF when the module is loaded, so the
variable is set in this process's environment before python-pkcs11 loads the library, and
kept for subprocesses (softhsm2-util, pkcs11-tool). The PINs are the caller's; they go to
softhsm2-util on its command line only (a throw-away token, never a holder's real one).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

MODULE_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
)


class SoftHsmMissing(RuntimeError):
    """softhsm2 is not installed (the Makefile's SYSPKGS installs it)."""


def module_path() -> str:
    for candidate in MODULE_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    raise SoftHsmMissing("libsofthsm2.so not found: apt-get install softhsm2 (make sysdeps)")


@dataclass
class SoftHsm:
    """A SoftHSM2 configuration whose token store is a folder of its own."""

    root: Path
    module: str = field(default_factory=module_path)

    @property
    def conf(self) -> Path:
        return self.root / "softhsm2.conf"

    @property
    def tokendir(self) -> Path:
        return self.root / "tokens"

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "SOFTHSM2_CONF": str(self.conf)}

    def activate(self) -> None:
        """Point this process's SoftHSM2 (loaded, or re-initialised, later) at this store."""
        os.environ["SOFTHSM2_CONF"] = str(self.conf)

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def create_token(self, label: str, pin: str, so_pin: str) -> SoftHsmToken:
        """Initialises a fresh token `label` in this store (a module already loaded sees it
        after `reinitialize()`)."""
        util = shutil.which("softhsm2-util")
        if util is None:
            raise SoftHsmMissing("softhsm2-util not found: apt-get install softhsm2 (make sysdeps)")
        before = set(self.tokendir.iterdir())
        subprocess.run(
            [util, "--init-token", "--free", "--label", label, "--so-pin", so_pin, "--pin", pin],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=60,
        )
        (folder,) = set(self.tokendir.iterdir()) - before
        return SoftHsmToken(self, label, folder)


def softhsm(root: Path | None = None) -> SoftHsm:
    """A SoftHSM2 store in `root` (a new temporary folder by default), its config written."""
    base = Path(tempfile.mkdtemp(prefix="kiosk-token-")) if root is None else root
    base.mkdir(parents=True, exist_ok=True)
    # The store holds the tokens' (PIN-encrypted) keys: only this user may read it.
    base.chmod(0o700)
    hsm = SoftHsm(base)
    hsm.tokendir.mkdir(exist_ok=True)
    hsm.conf.write_text(
        f"directories.tokendir = {hsm.tokendir}\nobjectstore.backend = file\n"
        "log.level = ERROR\nslots.removable = true\n",
        encoding="utf-8",
    )
    return hsm


@dataclass
class SoftHsmToken:
    """One token of a SoftHSM2 store. `remove()` / `restore()` move its folder out of the
    store and back, as a holder pulling their USB key out and plugging it in again."""

    hsm: SoftHsm
    label: str
    folder: Path

    @property
    def module(self) -> str:
        return self.hsm.module

    @property
    def _away(self) -> Path:
        return self.hsm.root / f"unplugged-{self.folder.name}"

    def remove(self) -> None:
        self.folder.rename(self._away)

    def restore(self) -> None:
        self._away.rename(self.folder)

    def pkcs11_tool(self, *args: str, pin: str | None = None) -> str:
        """opensc's pkcs11-tool on this token: an independent look at what is on it."""
        tool = shutil.which("pkcs11-tool")
        if tool is None:
            raise SoftHsmMissing("pkcs11-tool not found: apt-get install opensc (make sysdeps)")
        cmd = [tool, "--module", self.module, "--token-label", self.label, *args]
        if pin is not None:
            cmd += ["--login", "--pin", pin]
        out = subprocess.run(cmd, env=self.hsm.env, capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError(f"pkcs11-tool exited {out.returncode}: {out.stderr.strip()}")
        return out.stdout


def throwaway_token(label: str, pin: str) -> SoftHsmToken:
    """A fresh SoftHSM2 token in a new temporary folder, this process pointed at it: what a
    desk walkthrough or demo uses when no PKCS#11 module is configured. Call
    `token.hsm.cleanup()` when done."""
    hsm = softhsm()
    hsm.activate()
    return hsm.create_token(label, pin, secrets.token_hex(8))
