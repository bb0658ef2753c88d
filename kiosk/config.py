"""Where the backend services are, and how long the kiosk waits for them."""

from __future__ import annotations

from dataclasses import dataclass


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
