"""The JSON reply of the token endpoint and of the sandbox's platform APIs.

    return json_reply(400, 40000, "outer_shop_id must be a numeric shop id")
    -> 400 {"code": 40000, "message": "outer_shop_id must be ...", "data": null}
    return json_reply(200, 0, "success", {"token": "...", "expire_at": "1767225600"})

TikTok's widget APIs answer in this shape, so the ISV's token endpoint does too:
widget-kit and the widget read ``code`` and ``message`` of either the same way.
Replies carry tokens and shop data, so no cache may keep them.
"""

from starlette.responses import JSONResponse


def json_reply(status: int, code: int | str, message: str, data=None,
               headers=None) -> JSONResponse:
    return JSONResponse(
        {"code": code, "message": message, "data": data},
        status_code=status,
        headers={"cache-control": "no-store", **(headers or {})},
    )
