"""Button presses on worker processes of their own: one press per process at a time, clerks apart from coordinators.

xlwings' JSON engine keeps one app per process and sends `app.alert` to the last book opened in it, so two presses
side by side in one process would swap their alerts; a process per press in flight isolates them without one lock
for all. The clerks' pool never waits behind the coordinator's file work (a merge takes minutes on a big master).
A worker that dies, overruns its time or grows past its memory mark is replaced; the server keeps answering.
Bodies go to the worker as bytes and are parsed there, under the worker's memory limit (RLIMIT_DATA on Linux), so
a hostile body costs a worker, never the server.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import pickle
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple

log = logging.getLogger("xltasks.serve")
TEXT = "text/plain; charset=utf-8"
FAILED = "服务器处理时出错，已记录在服务器日志中。请稍后再试，或联系信息化人员。"
START_SECONDS = 120  # a new worker imports xlwings and xltasks (~1 s; a loaded server takes longer)


@dataclass(frozen=True)
class PoolSpec:
    who: str            # the scripts' role this pool runs (scripts.CLERK / scripts.COORDINATOR)
    size: int           # presses in flight at once
    memory_mb: int      # the worker's data limit: past it a parse or a press gets MemoryError
    retire_mb: int      # a worker whose RSS is past this after a press is replaced (memory back to the system)
    seconds: float      # one press at most; then the worker is killed and replaced
    queue_seconds: float  # waiting for a free worker at most; then 503
    busy: str           # the Chinese text for that 503


class Answer(NamedTuple):
    status: int
    content_type: str
    body: bytes


def _limit_memory(megabytes: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: no rlimits; the body cap alone bounds a press there
        return
    limit = megabytes * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    except (ValueError, OSError):
        log.warning("could not limit a worker's memory to %d MB", megabytes)


def rss_mb(pid: int | str = "self") -> int:
    """A process's resident memory in MB (Linux /proc; 0 where it cannot be read)."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // (1024 * 1024)
    except (OSError, ValueError, IndexError, AttributeError):
        return 0


def _press_once(name: str, body: bytes, programmes: list) -> Answer:
    """One press inside a worker: the body parsed and checked, the button run, the answer as JSON bytes."""
    import xlwings as xw

    from xltasks.excel.payload import BadBody, parse_body
    from xltasks.excel.scripts import SCRIPTS, Refused, press

    try:
        data = parse_body(body, xw.__version__)
        try:
            book = xw.Book(json=data)
        except Exception as exc:  # noqa: BLE001 - what xlwings cannot take is the client's problem
            raise BadBody("请求中的工作簿数据不完整，xlwings 无法读取。") from exc
        try:
            press(SCRIPTS[name], book, programmes)
            answer = book.json()
        finally:
            book.close()
        return Answer(200, "application/json", json.dumps(answer, ensure_ascii=False, default=str).encode("utf-8"))
    except BadBody as exc:
        return Answer(400, TEXT, str(exc).encode("utf-8"))
    except Refused as exc:
        return Answer(exc.status, TEXT, str(exc).encode("utf-8"))
    except MemoryError:
        return Answer(413, TEXT, "发送的工作簿太大，服务器内存不足以处理。请只发送需要的工作表。".encode("utf-8"))
    except Exception:  # noqa: BLE001 - a bug of ours: the traceback in the server's log, one sentence to the client
        log.exception("script %s failed", name[:40])
        return Answer(500, TEXT, FAILED.encode("utf-8"))


def _die_with(parent: int) -> None:
    """A worker busy on a press does not read its pipe: if the server is killed (kill -9), the worker learns it
    here, from being handed to another parent, and ends within a second instead of running on for an hour, with
    the processes its press started."""
    while True:
        if os.getppid() != parent:
            for child in multiprocessing.active_children():  # a merge's validating processes go with it
                child.kill()
            os._exit(70)
        time.sleep(1)


def _worker_main(conn, programmes: list, memory_mb: int, parent: int) -> None:
    """A worker's life: warm up, say ready, then one press per request until the server closes the pipe."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    threading.Thread(target=_die_with, args=(parent,), daemon=True, name="die-with-server").start()
    _limit_memory(memory_mb)
    import xlwings  # noqa: F401 - imported before the first press, so it is not paid by a clerk

    import xltasks.excel.scripts  # noqa: F401
    conn.send_bytes(b"ready")
    while True:
        try:
            name = conn.recv_bytes().decode("utf-8")
            body = conn.recv_bytes()
        except (EOFError, OSError):  # the server stopped (or died): so does the worker
            return
        answer = _press_once(name, body, programmes)
        del body
        conn.send_bytes(pickle.dumps((*answer, rss_mb())))


class WorkerLost(Exception):
    """The worker died or overran its time during a press."""


class Worker:
    """One worker process and its pipe; `call` blocks (run it on a thread)."""

    def __init__(self, context, spec: PoolSpec, programmes: list):
        self.pipe, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, programmes, spec.memory_mb, os.getpid()),
                                       name=f"xltasks-{spec.who}", daemon=False)  # a merge starts processes too
        self.process.start()
        child.close()
        if not self.pipe.poll(START_SECONDS) or self.pipe.recv_bytes() != b"ready":
            self.stop()
            raise WorkerLost("worker did not start")

    def call(self, name: str, body: bytes, seconds: float) -> tuple[Answer, int]:
        try:
            self.pipe.send_bytes(name.encode("utf-8"))
            self.pipe.send_bytes(body)
            if not self.pipe.poll(seconds):
                raise WorkerLost("press overran its time")
            *answer, rss = pickle.loads(self.pipe.recv_bytes())
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            raise WorkerLost(str(exc)) from exc
        return Answer(*answer), rss

    def stop(self) -> None:
        self.pipe.close()
        self.process.join(2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(2)


class Pool:
    """`spec.size` workers for one role; `run` waits for a free one, presses, and puts it back or replaces it."""

    def __init__(self, spec: PoolSpec, programmes: list, threads: ThreadPoolExecutor):
        self.spec, self.programmes, self.threads = spec, programmes, threads
        self.context = multiprocessing.get_context("spawn")  # never fork a process that runs an event loop
        self.idle: asyncio.Queue[Worker] = asyncio.Queue()
        self.workers: set[Worker] = set()
        self.lock = threading.Lock()
        self.closed = False

    def _new_worker(self) -> Worker:
        worker = Worker(self.context, self.spec, self.programmes)
        with self.lock:
            if not self.closed:
                self.workers.add(worker)
                return worker
        worker.stop()  # the server stopped while this one started: it must not outlive the server
        raise WorkerLost("the pool was closed")

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        for worker in await asyncio.gather(*(loop.run_in_executor(self.threads, self._new_worker)
                                             for _ in range(self.spec.size))):
            self.idle.put_nowait(worker)

    async def _replace(self, worker: Worker) -> None:
        loop = asyncio.get_running_loop()
        with self.lock:
            self.workers.discard(worker)
        await loop.run_in_executor(self.threads, worker.stop)
        while not self.closed:
            try:
                self.idle.put_nowait(await loop.run_in_executor(self.threads, self._new_worker))
                return
            except (WorkerLost, OSError):
                log.exception("could not start a %s worker; trying again", self.spec.who)
                await asyncio.sleep(5)

    async def _checkout(self) -> Worker | None:
        """A free, living worker (one that died while idle is replaced, not handed out), or None after the wait."""
        deadline = asyncio.get_running_loop().time() + self.spec.queue_seconds
        while True:
            left = deadline - asyncio.get_running_loop().time()
            try:
                worker = await asyncio.wait_for(self.idle.get(), max(left, 0.001))
            except asyncio.TimeoutError:
                return None
            if worker.process.is_alive():
                return worker
            log.error("a %s worker died while idle; starting another", self.spec.who)
            asyncio.ensure_future(self._replace(worker))

    async def run(self, name: str, body: bytes) -> Answer:
        worker = await self._checkout()
        if worker is None:
            return Answer(503, TEXT, self.spec.busy.encode("utf-8"))
        # the worker goes back (or is replaced) when its press ends, even if this request is cancelled meanwhile
        future = asyncio.get_running_loop().run_in_executor(self.threads, worker.call, name, body, self.spec.seconds)
        future.add_done_callback(lambda done: self._after(worker, done))
        try:
            answer, _ = await asyncio.shield(future)
        except WorkerLost as exc:
            log.error("a %s worker was lost during %s (%s); starting another", self.spec.who, name[:40], exc)
            return Answer(500, TEXT, FAILED.encode("utf-8"))
        return answer

    def _after(self, worker: Worker, done: asyncio.Future) -> None:
        healthy = not done.cancelled() and done.exception() is None and done.result()[1] <= self.spec.retire_mb
        if healthy and not self.closed:
            self.idle.put_nowait(worker)
        else:
            asyncio.ensure_future(self._replace(worker))

    def close(self) -> None:
        with self.lock:
            self.closed = True
            workers = list(self.workers)
        for worker in workers:
            worker.stop()

    def pids(self) -> list[int]:
        with self.lock:
            return [w.process.pid for w in self.workers if w.process.is_alive()]
