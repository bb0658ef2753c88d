"""Where the backend services are, how the kiosk reaches them, and how long it waits.

Transport policy (issue 12): a backend that is not on this machine's loopback is reached over
https only, verified against the system's CAs or `ca_bundle`; a client certificate
(`client_cert`, `client_key`) gives mutual TLS; a proxy is used only when `proxy_url` says so
(the environment's proxy variables are ignored).
"""

from __future__ import annotations

import ipaddress
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit

URL_KEYS = ("registry_url", "bureau_url", "eid_url", "esign_url")
PATH_KEYS = ("ca_bundle", "client_cert", "client_key")


class ConfigError(ValueError):
    """A configuration file the kiosk cannot use; the message says what to fix."""


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_backend_url(url: str, what: str = "backend URL") -> str:
    """`url` if the kiosk may talk to it; ConfigError saying why not. Plain http:// is only
    for a backend on this machine (the sandbox): anything else carries ID numbers, photos and
    passwords across a network and must be https."""
    if not isinstance(url, str):
        raise ConfigError(f"{what} must be a URL")
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ConfigError(f"{what} {url!r} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigError(f"{what} {url!r} must be an https:// URL, e.g. https://backend.example")
    if parts.username or parts.password:
        raise ConfigError(f"{what} must not carry a user name or password")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise ConfigError(
            f"{what} {url!r}: plain http:// is allowed only on this machine (127.0.0.1, ::1, "
            "localhost); a backend elsewhere must be https://"
        )
    return url.strip().rstrip("/")


def check_file(path: str, what: str) -> str:
    p = Path(path).expanduser()
    if not p.is_file():
        raise ConfigError(f"{what} {path!r}: no such file")
    try:
        with p.open("rb"):
            pass
    except OSError as exc:
        raise ConfigError(f"{what} {path!r}: cannot read it ({exc.strerror})") from None
    return str(p.resolve())


def check_ca_bundle(path: str) -> str:
    """A readable PEM file holding at least one certificate."""
    resolved = check_file(path, "ca_bundle")
    with open(resolved, "rb") as fh:
        head = fh.read(4 * 1024 * 1024)
    if b"-----BEGIN CERTIFICATE-----" not in head:
        raise ConfigError(f"ca_bundle {path!r} holds no PEM certificate")
    return resolved


@dataclass(frozen=True)
class BackendConfig:
    registry_url: str
    bureau_url: str
    eid_url: str
    esign_url: str
    sandbox_url: str | None = None  # only when talking to the sandbox (outbox, clock)
    timeout_s: float = 10.0
    ca_bundle: str | None = None  # PEM file of the CAs to trust (None: the system's)
    client_cert: str | None = None  # PEM certificate (and key, unless client_key) for mTLS
    client_key: str | None = None
    proxy_url: str | None = None  # the only proxy used; None: connect directly

    def __post_init__(self) -> None:
        for key in (*URL_KEYS, "sandbox_url"):
            value = getattr(self, key)
            if value is not None:
                check_backend_url(value, key)
        if self.client_key is not None and self.client_cert is None:
            raise ConfigError("client_key needs client_cert")
        if self.proxy_url is not None:
            parts = urlsplit(self.proxy_url)
            if parts.scheme not in ("http", "https", "socks5", "socks5h") or not parts.hostname:
                raise ConfigError(f"proxy_url {self.proxy_url!r} must be a proxy URL")

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
            ca_bundle    = "/etc/kiosk/registry-ca.pem"       # optional
            client_cert  = "/etc/kiosk/kiosk.pem"             # optional, mutual TLS
            client_key   = "/etc/kiosk/kiosk.key"             # optional
            proxy_url    = "http://proxy.internal:3128"      # optional
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
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, int | float)
            or not 0 < timeout <= 600
        ):
            raise ConfigError(
                f"{path}: timeout_s must be a positive number of seconds, at most 600"
            )
        for key in (*PATH_KEYS, "sandbox_url", "proxy_url"):
            if key in table and (not isinstance(table[key], str) or not table[key]):
                raise ConfigError(f"{path}: {key} must be a non-empty string")
        base = Path(path).parent
        files: dict[str, str | None] = {}
        try:
            for key in PATH_KEYS:
                value = table.get(key)
                if value is None:
                    files[key] = None
                    continue
                full = str(base / Path(value).expanduser())  # relative to the config file
                files[key] = check_ca_bundle(full) if key == "ca_bundle" else check_file(full, key)
            return cls(
                registry_url=check_backend_url(table["registry_url"], "registry_url"),
                bureau_url=check_backend_url(table["bureau_url"], "bureau_url"),
                eid_url=check_backend_url(table["eid_url"], "eid_url"),
                esign_url=check_backend_url(table["esign_url"], "esign_url"),
                sandbox_url=(table.get("sandbox_url") or None),
                timeout_s=float(timeout),
                ca_bundle=files["ca_bundle"],
                client_cert=files["client_cert"],
                client_key=files["client_key"],
                proxy_url=table.get("proxy_url"),
            )
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None
