"""A plain static host for exported sites: Python's own http.server, no application code.

    with static_file_server(tmp_path / "site") as url:   # http://127.0.0.1:<port>
        page.goto(url + "/")
"""

import re
import subprocess
import sys
from contextlib import contextmanager


@contextmanager
def static_file_server(directory):
    """Serve ``directory`` (made if missing, filled later if need be) on a free port."""
    directory.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
         "--directory", str(directory)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()  # "Serving HTTP on 127.0.0.1 port 43121 ..."
        port = re.search(r"port (\d+)", line).group(1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)
