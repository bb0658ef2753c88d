"""Where the backend services are, and how long the kiosk waits for them."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

URL_KEYS = ("registry_url", "bureau_url", "eid_url", "esign_url")


class ConfigError(ValueError):
    """A configuration file the kiosk cannot use; the message says what to fix."""


@dataclass(frozen=True)
class BackendConfig:
    registry_url: str
    bureau_url: str
    eid_url: str
    esign_url: str
    sandbox_url: str | None = None  # only when talking to the sandbox (outbox, clock)
    timeout_s: float = 10.0

    @classmethod
    def for_sandbox(cls, base_url: str, timeout_s: float = 10.0) -> BackendConfig:
        base = base_url.rstrip("/")
        return cls(
            registry_url=f"{base}/registry/v1",
            bureau_url=f"{base}/bureau/v1",
            eid_url=f"{base}/eid/v1",
            esign_url=f"{base}/esign/v1",
            sandbox_url=f"{base}/sandbox/v1",
            timeout_s=timeout_s,
        )

    @classmethod
    def from_toml(cls, path: str | Path) -> BackendConfig:
        """Reads the `[backend]` table of a kiosk configuration file.

        In production the four services are separate systems, each with its own URL:

            [backend]
            registry_url = "https://registry.internal/registry/v1"
            bureau_url   = "https://bureau.internal/bureau/v1"
            eid_url      = "https://eid.internal/eid/v1"
            esign_url    = "https://esign.internal/esign/v1"
            timeout_s    = 10
        """
        try:
            with open(path, "rb") as fh:
                table = tomllib.load(fh).get("backend")
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
        if not isinstance(table, dict):
            raise ConfigError(f"{path} has no [backend] table")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(table) - known)
        if unknown:
            raise ConfigError(f"{path}: unknown keys in [backend]: {', '.join(unknown)}")
        missing = [k for k in URL_KEYS if not isinstance(table.get(k), str) or not table[k]]
        if missing:
            raise ConfigError(f"{path}: [backend] needs {', '.join(missing)}")
        timeout = table.get("timeout_s", 10.0)
        if not isinstance(timeout, int | float) or timeout <= 0:
            raise ConfigError(f"{path}: timeout_s must be a positive number of seconds")
        return cls(
            registry_url=table["registry_url"].rstrip("/"),
            bureau_url=table["bureau_url"].rstrip("/"),
            eid_url=table["eid_url"].rstrip("/"),
            esign_url=table["esign_url"].rstrip("/"),
            sandbox_url=(table.get("sandbox_url") or None),
            timeout_s=float(timeout),
        )
