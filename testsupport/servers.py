"""Real ``serve.py`` processes for the tests, each on a free loopback port.

    with run_server(tmp_path, "--cdn", "live") as server:
        httpx.get(server.url + "/api/v1/widget/access_token?...")
        server.log_text()   # everything it printed so far

The server runs exactly as a developer starts it, with its own data dir, and
its output (uvicorn's access and error log included) goes to a file so that a
test can read what would have been logged, and so that the leak watch
(testsupport/leaks.py) can check every line of it at the end of the run.
"""

import re
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .leaks import WATCH

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SERVING = re.compile(r"Serving .* at (http://\S+?)/ ")


@dataclass
class RunningServer:
    url: str
    data_dir: Path
    log_path: Path
    process: subprocess.Popen

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def run_server(workdir: Path, *args: str, startup_timeout: float = 30):
    workdir.mkdir(parents=True, exist_ok=True)
    data_dir = workdir / "data"
    log_path = workdir / "server.log"
    WATCH.watch_log(log_path, data_dir)
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "serve.py", "--port", "0", "--data-dir", str(data_dir), *args],
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        url = _wait_for_url(process, log_path, startup_timeout)
        yield RunningServer(url, data_dir, log_path, process)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_url(process, log_path: Path, timeout: float) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        text = log_path.read_text(errors="replace")
        if (match := SERVING.search(text)) and "Application startup complete" in text:
            return match.group(1)
        if process.poll() is not None:
            raise RuntimeError(f"serve.py exited with {process.returncode}:\n{text}")
        time.sleep(0.05)
    raise RuntimeError(f"serve.py did not start within {timeout} s:\n{log_path.read_text()}")
