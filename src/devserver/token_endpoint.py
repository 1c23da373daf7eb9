"""The ISV backend's widget token endpoint, the one the seed's examples call.

    GET /api/v1/widget/access_token?outer_shop_id=7495610000000000001&partner_type=1
    -> 200 {"code": 0, "message": "success",
            "data": {"token": "eyJhbGciOiJIUzUxMiIs...", "expire_at": "1767225600"}}

Errors are JSON too, with a non-zero ``code``, a plain ``message`` and the
matching HTTP status. Replies are never cached and tokens are never logged.
"""

import re

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .tokens import TokenSigner

TOKEN_PATH = "/api/v1/widget/access_token"
SHOP_ID = re.compile(r"^[0-9]{1,32}$")
PARTNER_TYPES = ("1",)

INVALID_PARAMETER = 40000
SHOP_NOT_FOUND = 40400


def routes(store, signer: TokenSigner) -> list:
    def access_token(request: Request) -> JSONResponse:  # sync: SQLite runs in a worker thread
        shop_id = request.query_params.get("outer_shop_id", "")
        partner_type = request.query_params.get("partner_type", "")
        if not SHOP_ID.match(shop_id):
            return reply(400, INVALID_PARAMETER, "outer_shop_id must be a numeric shop id")
        if partner_type not in PARTNER_TYPES:
            return reply(400, INVALID_PARAMETER, "partner_type must be 1")
        if store.get_shop(shop_id) is None:
            return reply(404, SHOP_NOT_FOUND, f"shop {shop_id} is not known to this backend")
        issued = signer.issue(shop_id)
        return reply(200, 0, "success", {"token": issued.token, "expire_at": str(issued.expire_at)})

    return [Route(TOKEN_PATH, access_token, name="access_token")]


def reply(status: int, code: int, message: str, data=None) -> JSONResponse:
    return JSONResponse(
        {"code": code, "message": message, "data": data},
        status_code=status,
        headers={"cache-control": "no-store"},
    )
