"""Writing a rebuild with several processes: Whoosh's MpWriter, made to fail loudly.

A rebuild's own process analysed and wrote every document (``add_document`` and the commit
were 1,230 of its 1,450 CPU-seconds at 100k articles) while the extraction workers waited.
Whoosh's ``MpWriter`` hands batches of documents to sub-processes that each write a segment.
As shipped it loses work quietly: a sub-writer that dies (a full disk) is skipped at commit,
and the parent can wait forever to queue a batch for sub-writers that are gone. Here a dead
sub-writer is an ``OSError``; cancelling stops the sub-processes, and a killed parent takes
them with it, instead of orphaning them.
"""

from __future__ import annotations

import os
import pickle
import queue

from whoosh.multiproc import MpWriter, _run_subwriter
from whoosh.util import random_name
from whoosh.writing import SegmentWriter

from .pipeline import die_with

BATCH = 64  # documents per job file handed to a sub-writer
WAIT = 1.0  # seconds between checks that the sub-writers still live
FAILED = "failed"  # a sub-writer's report of the error that ends it, in place of a segment


class WriterDied(OSError):
    """A sub-process writing part of the index ended without finishing its segment."""


class ParallelWriter(MpWriter):
    """One segment per sub-process (``multisegment``), no merge at commit."""

    def __init__(self, ix, procs: int, **kwargs) -> None:
        super().__init__(
            ix, procs=procs, batchsize=BATCH, multisegment=True, start_method="fork", **kwargs
        )

    def _new_task(self):
        args = (self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs,
                self.multisegment, os.getpid())
        task = self._mpctx.Process(target=_sub_writer, args=args, daemon=True)
        self.tasks.append(task)
        task.start()
        return task

    def _enqueue(self) -> None:
        filename = f"{random_name()}.doclist"
        with self.temp_storage().create_file(filename).raw_file() as f:
            for item in self.docbuffer:
                pickle.dump(item, f, 2)
        if len(self.tasks) < self.procs:
            self._new_task()
        self._put((filename, len(self.docbuffer)))
        self.docbuffer = []

    def _put(self, job) -> None:
        while True:
            self._check_tasks()
            try:
                self.jobqueue.put(job, timeout=WAIT)
                return
            except queue.Full:
                continue

    def _check_tasks(self) -> None:
        dead = [t for t in self.tasks if t.exitcode not in (None, 0)]
        if dead:
            raise self._failure(dead[0])

    def _failure(self, task) -> OSError:
        """Why a sub-writer died: the error it reported (a full disk), else its exit code."""
        try:
            while True:
                item = self.resultqueue.get(timeout=WAIT)
                if item[0] == FAILED:
                    return OSError(*item[1:])
        except queue.Empty:
            return WriterDied(f"a process writing the index ended with code {task.exitcode}")

    def _commit(self, mergetype, optimize, merge) -> None:
        try:
            self._commit_segments(mergetype, optimize, merge)
        except BaseException:
            self._stop_tasks()  # the other sub-writers would wait, or write, for nothing
            raise

    def _commit_segments(self, mergetype, optimize, merge) -> None:
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self._put(None)
        finalsegments = self._merge_segments(mergetype, optimize, merge)
        results = []
        while len(results) < len(self.tasks):
            try:
                results.append(self.resultqueue.get(timeout=WAIT))
                if results[-1][0] == FAILED:
                    raise OSError(*results[-1][1:])
            except queue.Empty:
                self._check_tasks()
                if not any(t.is_alive() for t in self.tasks) and self.resultqueue.empty():
                    missing = "a process writing the index ended without its segment"
                    raise WriterDied(missing) from None
        for task in self.tasks:
            task.join()
        finalsegments += [segment for _, _, segment in results]
        if self._added:
            finalsegments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(finalsegments)
        self._finish()

    def cancel(self) -> None:
        try:
            self._stop_tasks()
        finally:
            SegmentWriter.cancel(self)

    def _stop_tasks(self) -> None:
        for task in self.tasks:
            task.terminate()
        for task in self.tasks:
            task.join()


def _sub_writer(*args) -> None:
    *whoosh_args, parent = args
    die_with(parent)
    try:
        _run_subwriter(*whoosh_args)
    except OSError as error:  # tell the parent why, then die as before
        results = whoosh_args[3]
        results.put((FAILED, error.errno, error.strerror or str(error)))
        results.close()
        results.join_thread()
        raise

