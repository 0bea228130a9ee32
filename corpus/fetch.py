"""Fetch a web page someone named, without letting them aim the server inside its own network.

A URL pasted into the add-by-URL form makes the server send a request: left alone, it would fetch
http://169.254.169.254/ (cloud credentials), http://127.0.0.1:6379/ or an intranet page for
whoever asks (server-side request forgery). So, for every hop of a redirect chain:

- http and https only, no user name or password in the URL;
- the host is resolved once here and refused if any of its addresses is not public (loopback,
  private, link-local, multicast, reserved, shared, unspecified), unless the setting
  FETCH_ALLOW_PRIVATE_HOSTS allows it;
- the connection goes to the address that was checked (the Host header and TLS name stay the
  host's), so a second DNS answer cannot swap in another address (DNS rebinding);
- redirects are followed by hand, at most MAX_REDIRECTS, each one checked as above;
- connect and read timeouts, an overall deadline, and a cap on the (decompressed) body.

`checked_request` is one hop of this (resolve, check, connect to the checked address, no
redirect followed): webhook deliveries (annotate/webhooks) send their POSTs through it, so both
kinds of outgoing request share one implementation of the address checks.
"""

import ipaddress
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

MAX_REDIRECTS = 5
_REDIRECTS = {301, 302, 303, 307, 308}
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_CHUNK_BYTES = 64 * 1024
USER_AGENT = "fact-check-workbench (article import)"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchRefused(Exception):
    """A URL that was not fetched, or whose answer was refused; the message says why."""


@dataclass(frozen=True, slots=True)
class FetchedPage:
    url: str  # after redirects
    content: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class _Target:
    scheme: str
    host: str  # lower case, IDNA-encoded
    port: int
    path: str  # with the query
    host_header: str


def page_fetch(url: str) -> FetchedPage:
    """The HTML page at `url`, following up to MAX_REDIRECTS checked redirects."""
    deadline = time.monotonic() + 3 * settings.FETCH_TIMEOUT_S
    current = url.strip()
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    }
    for _hop in range(MAX_REDIRECTS + 1):
        # The module's hook looked up at each hop (tests replace it).
        response = checked_request(
            current,
            headers=headers,
            timeout_s=settings.FETCH_TIMEOUT_S,
            allow_private=lambda host: _private_hosts_allowed(host),
        )
        try:
            if response.status in _REDIRECTS:
                location = response.headers.get("Location", "").strip()
                if not location:
                    raise FetchRefused(
                        _("the server answered %(status)s with no Location")
                        % {"status": response.status}
                    )
                current = urljoin(current, location)
                continue
            if response.status != 200:
                raise FetchRefused(
                    _("the server answered %(status)s, not the page") % {"status": response.status}
                )
            content_type = response.headers.get("Content-Type", "")
            media_type = content_type.split(";")[0].strip().lower()
            if media_type and media_type not in _HTML_TYPES:
                raise FetchRefused(
                    _("not an HTML page (%(media_type)s)") % {"media_type": media_type}
                )
            content = _read_capped(response, deadline)
            return FetchedPage(url=current, content=content, content_type=content_type)
        finally:
            response.release_conn()
    raise FetchRefused(
        _("more than %(max_redirects)s redirects") % {"max_redirects": MAX_REDIRECTS}
    )


def checked_request(
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str],
    body: bytes | None = None,
    timeout_s: float,
    allow_private: Callable[[str], bool],
) -> urllib3.BaseHTTPResponse:
    """One request to `url` after the checks above, redirects *not* followed; the response is
    unread (preload_content=False): the caller reads what it needs and calls release_conn().

    FetchRefused for a URL or address refused, a connection refused, a timeout or a TLS error.
    `allow_private(host)` says whether that host may resolve inside the network.
    """
    target = _target(url)
    address = _checked_address(target, allow_private=allow_private(target.host))
    return _request(target, address, method=method, headers=headers, body=body, timeout_s=timeout_s)


def url_refusal(url: str, *, allow_private: bool = False) -> str | None:
    """Why a URL can never be requested (scheme, credentials, host; an IP literal inside the
    network unless `allow_private`), without resolving it; None when it may be. For forms that
    store a URL to be requested later, each request checking again."""
    try:
        target = _target(url.strip())
    except FetchRefused as error:
        return str(error)
    if allow_private:
        return None
    try:
        address = ipaddress.ip_address(target.host.strip("[]"))
    except ValueError:
        return None  # a name: resolved and checked at every request
    if reason := address_refusal(address):
        return f"{address} is {reason}"
    return None


def _target(url: str) -> _Target:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise FetchRefused(_("not a valid URL (%(error)s)") % {"error": error}) from None
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise FetchRefused(_("only http and https URLs can be fetched"))
    if parts.username is not None or parts.password is not None:
        raise FetchRefused(_("URLs with a user name or password are not fetched"))
    if not parts.hostname:
        raise FetchRefused(_("the URL names no host"))
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise FetchRefused(_("the host name is not valid")) from None
    default_port = 443 if scheme == "https" else 80
    port = port or default_port
    shown_host = f"[{host}]" if ":" in host else host
    return _Target(
        scheme=scheme,
        host=host,
        port=port,
        path=(parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
        host_header=shown_host if port == default_port else f"{shown_host}:{port}",
    )


def _resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the host name resolves to (an IP literal: itself)."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchRefused(_("the host %(host)s could not be found") % {"host": host}) from None
    return [ipaddress.ip_address(answer[4][0].split("%")[0]) for answer in answers]


def _private_hosts_allowed(host: str) -> bool:
    """Whether addresses inside the network may be fetched (for this host)."""
    return settings.FETCH_ALLOW_PRIVATE_HOSTS


def address_refusal(address: IPAddress) -> str | None:
    """Why the server must not connect to this address, or None for a public one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (where cloud metadata services answer)"
    if address.is_multicast:
        return "a multicast address"
    if address.is_private:
        return "a private address"
    if address.is_reserved or address.is_unspecified or not address.is_global:
        return "a reserved address"
    return None


def _checked_address(target: _Target, *, allow_private: bool) -> IPAddress:
    addresses = _resolve(target.host, target.port)
    if not addresses:
        raise FetchRefused(_("the host %(host)s could not be found") % {"host": target.host})
    if not allow_private:
        # Every answer is checked, not only the one used: a host with one public and one
        # internal address is refused.
        for address in addresses:
            if reason := address_refusal(address):
                raise FetchRefused(
                    _(
                        "%(host)s is %(address)s, %(reason)s: the server does not fetch "
                        "addresses inside its network"
                    )
                    % {"host": target.host, "address": address, "reason": reason}
                )
    return addresses[0]


def _request(
    target: _Target,
    address: IPAddress,
    *,
    method: str,
    headers: Mapping[str, str],
    body: bytes | None,
    timeout_s: float,
) -> urllib3.BaseHTTPResponse:
    timeout = urllib3.Timeout(connect=timeout_s, read=timeout_s)
    common = {"port": target.port, "timeout": timeout, "retries": False, "maxsize": 1}
    if target.scheme == "https":
        # Connect to the checked address; the certificate is still checked against the host.
        pool = urllib3.HTTPSConnectionPool(
            str(address),
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            **common,
        )
    else:
        pool = urllib3.HTTPConnectionPool(str(address), **common)
    try:
        return pool.urlopen(
            method,
            target.path,
            body=body,
            headers={**headers, "Host": target.host_header},
            redirect=False,
            preload_content=False,
            assert_same_host=False,
        )
    except urllib3.exceptions.NewConnectionError as error:
        # Before TimeoutError, which urllib3 makes it a subclass of: a refused connection.
        raise FetchRefused(
            _("could not connect to %(host)s (%(cause)s)")
            % {"host": target.host, "cause": _cause(error)}
        ) from None
    except urllib3.exceptions.SSLError:
        raise FetchRefused(
            _("the TLS certificate of %(host)s could not be verified") % {"host": target.host}
        ) from None
    except urllib3.exceptions.TimeoutError:
        raise FetchRefused(_("%(host)s did not answer in time") % {"host": target.host}) from None
    except urllib3.exceptions.HTTPError as error:
        raise FetchRefused(
            _("could not connect to %(host)s (%(cause)s)")
            % {"host": target.host, "cause": _cause(error)}
        ) from None


def _read_capped(response: urllib3.BaseHTTPResponse, deadline: float) -> bytes:
    limit = settings.FETCH_MAX_BYTES
    stated = response.headers.get("Content-Length", "")
    if stated.isdigit() and int(stated) > limit:
        raise FetchRefused(
            _("the page is larger than %(limit)s bytes") % {"limit": format(limit, ",")}
        )
    chunks, size = [], 0
    try:
        for chunk in response.stream(_CHUNK_BYTES, decode_content=True):
            size += len(chunk)
            if size > limit:
                raise FetchRefused(
                    _("the page is larger than %(limit)s bytes") % {"limit": format(limit, ",")}
                )
            if time.monotonic() > deadline:
                raise FetchRefused(_("the page took too long to arrive"))
            chunks.append(chunk)
    except urllib3.exceptions.TimeoutError:
        raise FetchRefused(_("the server stopped sending the page")) from None
    except urllib3.exceptions.HTTPError as error:
        raise FetchRefused(
            _("the page could not be read (%(cause)s)") % {"cause": _cause(error)}
        ) from None
    return b"".join(chunks)


def _cause(error: Exception) -> str:
    reason = getattr(error, "reason", None) or error
    return str(reason).split(": ", 1)[-1][:200]
