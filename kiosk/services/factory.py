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
KIOSK_ID_HEADER = "X-Kiosk-ID"  # which terminal calls: the registry records where (R32's queue)


def _session(session_factory: SessionFactory, config: BackendConfig) -> requests.Session:
    s = session_factory()
    s.headers["User-Agent"] = USER_AGENT
    # The environment's HTTPS_PROXY, REQUESTS_CA_BUNDLE and .netrc are not the kiosk's
    # configuration: a proxy, a CA bundle or a client certificate comes from BackendConfig.
    s.trust_env = False
    s.verify = config.ca_bundle or True
    if config.client_cert is not None:
        s.cert = (
            (config.client_cert, config.client_key)
            if config.client_key is not None
            else config.client_cert
        )
    if config.proxy_url is not None:
        s.proxies = {"http": config.proxy_url, "https": config.proxy_url}
    return s


def build_services(
    config: BackendConfig,
    session_factory: SessionFactory = requests.Session,
    *,
    kiosk_id: str | None = None,
) -> Services:
    """One client, and one `requests.Session`, per backend (R30). `kiosk_id` (this
    terminal's id, kiosk.store.paths.kiosk_identity) goes in every registry call's
    X-Kiosk-ID header."""
    def session() -> requests.Session:
        return _session(session_factory, config)

    t = config.timeout_s
    registry = session()
    if kiosk_id:
        registry.headers[KIOSK_ID_HEADER] = kiosk_id
    return Services(
        registry=RegistryClient(config.registry_url, registry, t),
        bureau=BureauClient(config.bureau_url, session(), t),
        eid=EidClient(config.eid_url, session(), t),
        esign=ESignClient(config.esign_url, session(), t),
    )


def build_sandbox_admin(
    config: BackendConfig, session_factory: SessionFactory = requests.Session
) -> SandboxAdmin | None:
    """The sandbox controls, or None when the kiosk is pointed at real backends."""
    if config.sandbox_url is None:
        return None
    return SandboxAdmin(config.sandbox_url, _session(session_factory, config), config.timeout_s)


def close_services(services: Services) -> None:
    """Closes the connection pools (on kiosk shutdown)."""
    for client in (services.registry, services.bureau, services.eid, services.esign):
        close = getattr(client, "close", None)
        if callable(close):
            close()
