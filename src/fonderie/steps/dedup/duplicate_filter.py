from __future__ import annotations

from datatrove.data import Document, DocumentsPipeline
from datatrove.io import DataFolderLike
from datatrove.pipeline.filters.base_filter import BaseFilter

from fonderie.dedup.files import (
    ASSIGNMENT_COLUMNS,
    ASSIGNMENTS_DIR,
    SUMMARY_FILE,
    check_seen,
    dedup_folder,
    read_json,
    read_table,
    task_files,
)


class DuplicateFilter(BaseFilter):
    """Dedup phase 3: drops the documents DuplicateClusterer found to duplicate a kept one.

    Run it on the same documents as the signature phase. With as many tasks as the signature phase, task k loads
    only `assignments/k.parquet` (the members of clusters among its own documents); with another task count it
    loads them all. Either way the kept set is the same. Documents absent from the assignments are alone in their
    cluster. With the signature phase's task count, a task that sees a different number of documents than its
    signature task did raises RuntimeError at the end (the inputs changed between phases).
    Input: documents (the ones the signature phase read).
    Output: the documents each cluster keeps (every document not in a cluster too).
    Drops:
        `exact_duplicate`: its text equals the kept document's after NFKC and whitespace collapsing
        `near_duplicate`: linked to the kept document by LSH candidate pairs of Jaccard >= the threshold (exact or
            estimated: DuplicateClusterer's `verify`), directly or through other members of the cluster
    Metadata added: `dup_cluster_size` on kept documents (1 when unique); `duplicate_of` (the kept document's id)
        on dropped ones.

    Args:
        folder: the dedup folder DuplicateClusterer wrote into
        exclusion_writer: where dropped documents are written (with their `duplicate_of`)
    """

    name = "🫂 Duplicate filter"

    def __init__(self, folder: DataFolderLike, exclusion_writer=None):
        super().__init__(exclusion_writer)
        self.folder = dedup_folder(folder)
        self._assigned: dict[str, tuple[str | None, str | None, int]] = {}

    def _load(self, rank: int, world_size: int) -> int | None:
        """Loads the assignments this task needs; returns how many documents its signature task saw, if known."""
        summary = read_json(self.folder, SUMMARY_FILE, "run DuplicateClusterer first")
        files, expected = task_files(self.folder, ASSIGNMENTS_DIR, summary, rank, world_size)
        for path in files:
            if not self.folder.exists(path):
                continue  # that signature task had no documents
            columns = read_table(self.folder, path, ASSIGNMENT_COLUMNS).to_pydict()
            entries = zip(columns["duplicate_of"], columns["reason"], columns["cluster_size"], strict=True)
            self._assigned.update(zip(columns["id"], entries, strict=True))
        return expected

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        expected = self._load(rank, world_size)
        seen = 0

        def counted(docs):
            nonlocal seen
            for doc in docs or ():
                seen += 1
                yield doc

        yield from super().run(counted(data), rank, world_size)
        check_seen(rank, seen, expected)

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        entry = self._assigned.get(doc.id)
        if entry is None:
            doc.metadata["dup_cluster_size"] = 1
            return True
        duplicate_of, reason, size = entry
        if duplicate_of is None:
            doc.metadata["dup_cluster_size"] = size
            return True
        doc.metadata["duplicate_of"] = duplicate_of
        return False, reason
