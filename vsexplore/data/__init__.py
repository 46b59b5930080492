"""Labelled-image records, dataset loaders and the scene builder."""

from .coco import decode_rle, download_coco_subset, from_coco
from .loaders import VOC_CLASSES, from_csv, from_folder, from_nus_wide, from_voc
from .records import ManifestError, Record, read_manifest, write_manifest

__all__ = [
    "VOC_CLASSES",
    "ManifestError",
    "Record",
    "decode_rle",
    "download_coco_subset",
    "from_coco",
    "from_csv",
    "from_folder",
    "from_nus_wide",
    "from_voc",
    "read_manifest",
    "write_manifest",
]
