"""Request signing for TikTok Shop's Open API (open-api.md, "Signed requests").

    sign("secret", "/authorization/202309/shops", {"app_key": "k", "timestamp": "1"}, b"")
    # -> 64 lowercase hex digits

The same function signs on the client and verifies on the server: the server
recomputes it over what it received and compares in constant time.
"""

import hashlib
import hmac
from collections.abc import Mapping

# TikTok leaves these out of the signed string: ``sign`` is the result itself,
# and ``access_token`` travels in a header on current API versions.
UNSIGNED_QUERY_PARAMETERS = frozenset({"sign", "access_token"})


def sign(app_secret: str, path: str, query: Mapping[str, str], body: bytes) -> str:
    """Lowercase hex HMAC-SHA256 keyed with ``app_secret`` over
    secret + path + sorted(name + value) + body + secret.

    ``path`` is the API path relative to the base URL (no host, no query, no
    prefix of the base URL); ``body`` is the exact bytes sent (b"" when none).
    """
    signed_query = "".join(
        name + query[name] for name in sorted(query) if name not in UNSIGNED_QUERY_PARAMETERS
    )
    message = app_secret.encode() + path.encode() + signed_query.encode() + body + app_secret.encode()
    return hmac.new(app_secret.encode(), message, hashlib.sha256).hexdigest()
