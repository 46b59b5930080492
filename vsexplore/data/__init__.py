"""Labelled-image records, dataset loaders, the scene builder and the WordNet 3.0 reader."""

from .coco import decode_rle, download_coco_subset, from_coco
from .loaders import VOC_CLASSES, from_csv, from_folder, from_nus_wide, from_voc
from .records import ManifestError, Record, read_manifest, write_manifest
from .wordnet import Synset, WordNet, load_wordnet

__all__ = [
    "VOC_CLASSES",
    "ManifestError",
    "Record",
    "Synset",
    "WordNet",
    "decode_rle",
    "download_coco_subset",
    "from_coco",
    "from_csv",
    "from_folder",
    "from_nus_wide",
    "from_voc",
    "load_wordnet",
    "read_manifest",
    "write_manifest",
]
