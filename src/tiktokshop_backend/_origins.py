"""Web origins, ``scheme://host[:port]``, written the way browsers send them in Origin.

    origin_of("HTTPS://Backend.Example:443/api/v1/widget/access_token")  # "https://backend.example"
    web_origin("http://127.0.0.1:9000/")                                # "http://127.0.0.1:9000"
    web_origin("https://app.example/page")                              # ValueError: not an origin
    host_of("http://[::1]:9000")                                        # "[::1]", as in Host

One spelling everywhere (lower case, no default port, IPv6 hosts in brackets)
lets the settings and the origin checks compare origins as plain strings.
"""

from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str:
    """The origin of an absolute http(s) URL; ValueError for anything else."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"{url[:200]!r} is not an http(s) URL")
    shown_port = "" if port in (None, DEFAULT_PORTS[parts.scheme]) else f":{port}"
    return f"{parts.scheme}://{host_of(url)}{shown_port}"


def host_of(url: str) -> str:
    """The host of an http(s) URL as a Host header names it: lower case, IPv6 in brackets."""
    hostname = urlsplit(url.strip()).hostname or ""
    return f"[{hostname}]" if ":" in hostname else hostname


def web_origin(value: str) -> str:
    """``value``, an origin someone configured, in its one spelling.

    A URL with more than an origin (a path, query, fragment or user) is
    refused rather than cut short: whoever wrote it may have meant something else.
    """
    not_an_origin = f"{value[:200]!r} is not an origin like https://app.example"
    try:
        origin, parts = origin_of(value), urlsplit(value.strip())
    except ValueError:
        raise ValueError(not_an_origin) from None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username is not None:
        raise ValueError(not_an_origin)
    return origin
