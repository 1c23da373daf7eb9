"""A real HTTP server standing in for an ISV's webhook endpoint, for the delivery tests.

    with receiving() as receiver:                 # uvicorn on a loopback port
        receiver.answers = [500]                  # the next answer is 500, then 200s
        receiver.hold()                           # requests wait until receiver.release()
        received = receiver.next()                # the next request (waits for it)
        receiver.received_now()                   # everything received so far, taken

Each request is kept whole: headers and the exact body bytes, so that a test
checks the signature over what went over the wire.
"""

import queue
import threading
from contextlib import contextmanager
from dataclasses import dataclass

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from testsupport.servers import serve_in_thread

PATH = "/webhooks/tiktok"  # the app's address; any other path is received too
WAIT_S = 20  # a request the sandbox should send arrives well before this, even on a busy machine


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict
    body: bytes


class Receiver:
    def __init__(self):
        self.url = ""
        self.answers: list[int] = []
        self._requests: queue.Queue[Received] = queue.Queue()
        self._released = threading.Event()
        self._released.set()
        self.app = Starlette(routes=[Route("/{path:path}", self._receive, methods=["POST"])])

    @property
    def address(self) -> str:
        return self.url + PATH

    def hold(self) -> None:
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def next(self, timeout: float = WAIT_S) -> Received:
        return self._requests.get(timeout=timeout)

    def received_now(self) -> list[Received]:
        taken = []
        while not self._requests.empty():
            taken.append(self._requests.get_nowait())
        return taken

    async def _receive(self, request: Request) -> Response:
        body = await request.body()
        self._requests.put(Received(request.method, request.url.path,
                                    {k.lower(): v for k, v in request.headers.items()}, body))
        await anyio.to_thread.run_sync(self._released.wait)
        status = self.answers.pop(0) if self.answers else 200
        return Response(status_code=status)


@contextmanager
def receiving():
    receiver = Receiver()
    with serve_in_thread(receiver.app) as url:
        receiver.url = url
        try:
            yield receiver
        finally:
            receiver.release()
