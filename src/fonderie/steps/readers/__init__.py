"""Readers turn input files into documents; every record read leaves as a document (a bad one marked to be dropped)."""

from fonderie.steps.readers.jsonl import JsonlDocumentReader
from fonderie.steps.readers.parquet import ParquetDocumentReader
from fonderie.steps.readers.text import TextFolderReader
from fonderie.steps.readers.warc import WarcDocumentReader

READERS = {
    "jsonl": JsonlDocumentReader,
    "parquet": ParquetDocumentReader,
    "warc": WarcDocumentReader,
    "text": TextFolderReader,
}

__all__ = ["READERS", "JsonlDocumentReader", "ParquetDocumentReader", "TextFolderReader", "WarcDocumentReader"]
