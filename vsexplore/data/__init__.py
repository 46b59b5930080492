"""Labelled-image records, dataset loaders and the scene builder."""

from .records import ManifestError, Record, read_manifest, write_manifest

__all__ = ["ManifestError", "Record", "read_manifest", "write_manifest"]
