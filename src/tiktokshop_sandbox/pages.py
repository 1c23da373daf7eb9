"""The sandbox's HTML pages (authorize, control): one accessible layout, escaped text.

    return html_page("Authorize", "<h1>...</h1>", status=200)
    f"<p>{text(shop.name)}</p>"

Small server-rendered pages with no script: a form posts, the server answers
with a redirect or the page again. Every piece of data goes through ``text``.
"""

import html

from starlette.responses import HTMLResponse

STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #161823; background: #f6f6f7; }
main { max-width: 40rem; margin: 2rem auto; padding: 1.5rem; background: #fff;
       border-radius: 8px; box-shadow: 0 1px 3px #0002; }
h1 { font-size: 1.4rem; margin-top: 0; }
fieldset { border: 1px solid #c4c4c8; border-radius: 6px; padding: .75rem 1rem; }
label { display: block; padding: .35rem 0; }
button { font: inherit; padding: .5rem 1.1rem; border-radius: 6px; border: 0;
         background: #c8102e; color: #fff; cursor: pointer; margin-top: 1rem; }
button:focus-visible, input:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
.error { color: #a4001d; font-weight: 600; }
.status { color: #1d6b2f; font-weight: 600; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid #e3e3e6; }
td button { margin: 0; }
"""


def text(value) -> str:
    return html.escape(str(value), quote=True)


def html_page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{text(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>",
        status_code=status,
        headers={"cache-control": "no-store", "x-frame-options": "DENY"},
    )
