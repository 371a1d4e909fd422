"""d2lite.text: corpora, tokenizer, vocabulary, language-model windows and translation data."""
import pytest
import torch

from d2lite import text


def test_corpora_load_offline_and_are_plain_text():
    for name in text.CORPORA:
        corpus = text.load_corpus(name, max_chars=5000)
        assert 1000 < len(corpus) <= 5000
    plays = text.load_corpus("shakespeare", max_chars=20000)
    assert "**" not in plays and "###" not in plays and "_Enter" not in plays
    genres = {g for _, _, g in text.shakespeare_lines()}
    assert {"comedies", "tragedies", "histories"} <= genres
    verses = text.kjv_verses()
    assert len(verses) == 31102 and verses[0][2] == "old" and verses[-1][2] == "new"
    assert verses[0][0].startswith("In the beginning")


def test_tokenize_and_vocab_round_trip():
    tokens = text.tokenize("To be, or not to be: that's it!")
    assert tokens == ["to", "be", ",", "or", "not", "to", "be", ":", "that's", "it", "!"]
    assert text.tokenize("a  b\nc", "char") == ["a", " ", "b", " ", "c"]
    vocab = text.Vocab(tokens)
    assert vocab.idx_to_token[:4] == list(text.RESERVED)
    assert vocab.to_tokens(vocab[tokens]) == tokens
    assert vocab["never-seen"] == vocab.unk
    assert vocab.token_freqs[0][1] == 2  # "be" and "to" twice
    rare = text.Vocab(tokens, min_freq=2)
    assert set(rare.idx_to_token[4:]) == {"be", "to"}


def test_bad_input_says_what_was_expected():
    with pytest.raises(ValueError, match="empty"):
        text.Vocab([])
    with pytest.raises(KeyError, match="not in the vocabulary"):
        text.Vocab(["a"], reserved=())["b"]
    with pytest.raises(ValueError, match="mode"):
        text.tokenize("abc", "bytes")
    with pytest.raises(TypeError, match="str"):
        text.tokenize(42)
    with pytest.raises(ValueError, match="name"):
        text.load_corpus("wikipedia")
    with pytest.raises(ValueError, match="more than seq_len"):
        text.lm_windows([1, 2, 3], seq_len=5)
    with pytest.raises(ValueError, match="indices"):
        text.Vocab(["a"]).to_tokens(99)
    with pytest.raises(ValueError, match="locale"):
        text.date_pairs(3, locales=["xx_XX"])


def test_lm_windows_shift_by_one():
    X, Y = text.lm_windows(torch.arange(23), seq_len=5)
    assert X.shape == Y.shape == (4, 5)
    assert torch.equal(Y, X + 1)
    xb, yb = next(iter(text.lm_loader(torch.arange(23), 5, batch_size=2)))
    assert xb.shape == (2, 5) and torch.equal(yb, xb + 1)


def test_date_pairs_and_translation_data():
    pairs = text.date_pairs(50, seed=1)
    assert pairs == text.date_pairs(50, seed=1)
    assert all(len(t) == 10 and t[4] == "-" for _, t in pairs)
    data = text.translation_data(num_examples=200, test_fraction=0.25, seed=0)
    assert data.X_train.shape[0] == 150 and data.X_test.shape[0] == 50
    assert (data.Y_len_train == 11).all()  # ten characters and <eos>
    eos = data.tgt_vocab["<eos>"]
    assert (data.Y_train[:, 10] == eos).all()
    row = data.X_train[0, :data.X_len_train[0]].tolist()
    assert "".join(data.src_vocab.to_tokens(row[:-1])) == "".join(text.tokenize(data.pairs_train[0][0], "char"))
    X, X_len, Y, Y_len = next(iter(data.loaders(batch_size=8)[0]))
    assert X.shape[0] == 8 and Y.shape == (8, 11)
    assert len(text.sphinx_pairs("fr")) > 500
    with pytest.raises(ValueError, match="catalogues"):
        text.sphinx_pairs("klingon")


def test_max_chars_reads_a_prefix_of_the_full_corpus():
    full = text.load_corpus("shakespeare")
    for max_chars in (1000, 60_000, 250_000):
        part = text.load_corpus("shakespeare", max_chars=max_chars)
        assert full.startswith(part) and len(part) <= max_chars
        assert full[len(part)] == "\n" and "\n" not in full[len(part) + 1:max_chars]
