"""A background pass, run at start and then every ``interval`` seconds of wall time.

    class Sweeper(PeriodicPass):
        task_name = "tiktokshop-sweeper"
        async def run_pass(self) -> int: ...          # how many things it did
        def pass_ended(self, count: int) -> None: ... # log or count what it did
        def pass_failed(self, error: Exception) -> None: ...

    sweeper.start()            # in the app's lifespan: a pass now, then every interval
    await sweeper.next_pass()  # wait until a pass that starts after this call has ended
    await sweeper.passes(1)    # wait until that many passes have ended since start
    await sweeper.stop()

A pass that fails (the store or Redis away) is reported to ``pass_failed`` and
the next one runs on time: the loop ends only with ``stop``.
"""

import asyncio


class PeriodicPass:
    task_name = "tiktokshop-pass"

    def __init__(self, *, interval: float):
        self.interval = interval
        self._task: asyncio.Task | None = None
        self._started = self._ended = 0
        self._pass_ended = asyncio.Condition()  # bound to the loop that first waits on it

    async def run_pass(self) -> int:
        raise NotImplementedError

    def pass_ended(self, count: int) -> None:
        pass

    def pass_failed(self, error: Exception) -> None:
        pass

    def start(self) -> None:
        """Run passes in a task of the running event loop until ``stop``."""
        self._task = asyncio.create_task(self._run(), name=self.task_name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def next_pass(self) -> None:
        """Return once a pass that starts after this call has ended (tests, tools)."""
        wanted = self._started + 1
        async with self._pass_ended:
            await self._pass_ended.wait_for(lambda: self._ended >= wanted)

    async def passes(self, count: int) -> None:
        """Return once ``count`` passes have ended since ``start`` (tests, tools)."""
        async with self._pass_ended:
            await self._pass_ended.wait_for(lambda: self._ended >= count)

    async def _run(self) -> None:
        while True:
            self._started += 1
            try:
                self.pass_ended(await self.run_pass())
            except Exception as error:  # the store or Redis away: try again next time
                self.pass_failed(error)
            self._ended += 1
            async with self._pass_ended:
                self._pass_ended.notify_all()
            await asyncio.sleep(self.interval)
