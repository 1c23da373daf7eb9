"""Media types the site and the mirror need, whatever the host's mime.types says.

    media_types.register()
    mimetypes.guess_type("pyodide.asm.wasm")   # ('application/wasm', None)

Browsers refuse module scripts and streaming WebAssembly compilation unless
these are right.
"""

import mimetypes

TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".map": "application/json",
    ".toml": "application/toml",
    ".py": "text/x-python",
    ".whl": "application/zip",
    ".zip": "application/zip",
}


def register() -> None:
    for suffix, media_type in TYPES.items():
        mimetypes.add_type(media_type, suffix)
