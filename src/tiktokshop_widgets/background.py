"""Tasks that run on their own, held until they finish.

    task = in_background(tab.show())   # the caller goes on; the task is not lost

asyncio keeps only weak references to tasks, so a task that nothing holds can
disappear before it finishes (CPython and Pyodide); this keeps each one until
a later call finds it done. (The task is the coroutine's own, not a wrapper
awaiting it: on MicroPython such a wrapper broke JS calls into Python.)
"""

import asyncio

_running = set()


def in_background(coroutine):
    """Run ``coroutine`` as a task held until it ends; returns the task."""
    for task in [task for task in _running if task.done()]:
        _running.discard(task)
    task = asyncio.create_task(coroutine)
    _running.add(task)
    return task
