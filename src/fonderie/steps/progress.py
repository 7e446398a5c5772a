from __future__ import annotations

import json
import time

from datatrove.data import DocumentsPipeline
from datatrove.io import get_datafolder
from datatrove.pipeline.base import PipelineStep


class ProgressTracker(PipelineStep):
    """Passes documents through and, about once a second, writes how many it has seen to `progress/NNNNN.json`.

    The terminal display of `fonderie run` (and anyone tailing a cluster run) reads these files: they work the same
    whether tasks run in local processes, Slurm jobs or Ray workers, as long as the output folder is shared.
    Input: documents. Output: the same documents. Drops: none. Metadata added: none.

    Args:
        folder: the stage folder; files go to its `progress/` subfolder
        every: seconds between two writes
    """

    name = "⏱ Progress"
    type = "📊 - STATS"

    def __init__(self, folder, every: float = 1.0):
        super().__init__()
        self.folder = get_datafolder(folder)
        self.every = every

    def _save(self, rank: int, docs: int, start: float, done: bool) -> None:
        state = {"docs": docs, "seconds": round(time.time() - start, 3), "done": done}
        with self.folder.open(f"progress/{rank:05d}.json", "w") as f:
            json.dump(state, f)

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        start = last = time.time()
        docs = 0
        self._save(rank, 0, start, False)
        for doc in data:
            docs += 1
            if (now := time.time()) - last >= self.every:
                self._save(rank, docs, start, False)
                last = now
            yield doc
        self._save(rank, docs, start, True)
