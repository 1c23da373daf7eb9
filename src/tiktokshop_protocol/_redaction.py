"""Credentials out of URLs before they are logged.

    redact_query("/api/v2/token/get?app_key=k&app_secret=s&auth_code=c&grant_type=authorized_code")
    # -> "/api/v2/token/get?app_key=k&app_secret=***&auth_code=***&grant_type=authorized_code"

TikTok's auth host takes the app secret, auth codes and refresh tokens in the
query string, so every access log line and every HTTP client log line of such
a call would carry them: both sides pass URLs through this first.
"""

import re

CREDENTIAL_QUERY_PARAMETERS = ("app_secret", "auth_code", "refresh_token", "access_token")
REDACTED = "***"
_CREDENTIAL_VALUE = re.compile(
    r"(?P<name>(?:^|[?&])(?:%s)=)[^&#]*" % "|".join(CREDENTIAL_QUERY_PARAMETERS))


def redact_query(url: str) -> str:
    """``url`` with the value of every credential parameter replaced by ``***``."""
    return _CREDENTIAL_VALUE.sub(lambda match: match.group("name") + REDACTED, url)
