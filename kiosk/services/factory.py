"""Builds the kiosk's backend clients from its configuration."""

from __future__ import annotations

from collections.abc import Callable

import requests

from kiosk.config import BackendConfig
from kiosk.services.api import Services
from kiosk.services.bureau import BureauClient
from kiosk.services.eid import EidClient
from kiosk.services.esign import ESignClient
from kiosk.services.registry import RegistryClient
from kiosk.services.sandbox_admin import SandboxAdmin

SessionFactory = Callable[[], requests.Session]

USER_AGENT = "registry-kiosk"


def _session(session_factory: SessionFactory) -> requests.Session:
    s = session_factory()
    s.headers["User-Agent"] = USER_AGENT
    return s


def build_services(
    config: BackendConfig, session_factory: SessionFactory = requests.Session
) -> Services:
    """One client, and one `requests.Session`, per backend (R30)."""
    return Services(
        registry=RegistryClient(config.registry_url, _session(session_factory), config.timeout_s),
        bureau=BureauClient(config.bureau_url, _session(session_factory), config.timeout_s),
        eid=EidClient(config.eid_url, _session(session_factory), config.timeout_s),
        esign=ESignClient(config.esign_url, _session(session_factory), config.timeout_s),
    )


def build_sandbox_admin(
    config: BackendConfig, session_factory: SessionFactory = requests.Session
) -> SandboxAdmin | None:
    """The sandbox controls, or None when the kiosk is pointed at real backends."""
    if config.sandbox_url is None:
        return None
    return SandboxAdmin(config.sandbox_url, _session(session_factory), config.timeout_s)


def close_services(services: Services) -> None:
    """Closes the connection pools (on kiosk shutdown)."""
    for client in (services.registry, services.bureau, services.eid, services.esign):
        close = getattr(client, "close", None)
        if callable(close):
            close()
