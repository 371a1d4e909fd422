"""One Chinese term per concept: every Chinese term the book gives in parentheses after an English
term is in book/glossary.md, and is the Chinese the glossary gives for that English term.

The rule for what counts as a term (pure text, no notebook is executed):

* a parenthesis, ASCII ``( )`` or full-width ``（ ）``, directly after a Latin word (optionally
  closed emphasis ``*``/``_``/backtick and up to three spaces or a line break between, citations
  ``{cite:p}`key``` removed first): "*gradient descent* (梯度下降)";
* its content split at ``,`` ``，`` ``、`` ``/`` ``;`` ``；`` into parts; a part is a Chinese term
  when it is a run of 1-10 CJK characters (hyphens allowed inside), optionally with one Latin token
  attached ("KL散度", "Sigmoid 型函数", "死亡 ReLU"); other parts (English, citations, "the
  notes' 高斯卷积", sentences with punctuation) are not terms and are not checked;
* the parts listed in NOT_TERMS are quoted phrases of the author's notes or everyday words (a
  mosaic, a watermark), not terms; each carries its reason, and a listed phrase the book no
  longer uses fails test_not_terms_are_still_used.

A term fails when (a) it is not in the glossary's 中文 column, or (b) the English just before the
parenthesis (the emphasised term when there is one, else the words before) ends with a glossary
English term (the longest that matches, at a word boundary, plural allowed), and none of the
Chinese terms in the parenthesis is the glossary's Chinese for it ("precision (召回率)").

Sources: markdown cells of notebooks/*/*.ipynb, book/*.md (not the glossary itself),
notebooks/*/index.md and the docstrings of d2lite/*.py.
"""
import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "book" / "glossary.md"

CJK = "\u3400-\u4dbf\u4e00-\u9fff"
LATIN_TOKEN = r"[A-Za-z0-9][A-Za-z0-9\-–]*"
CJK_RUN = rf"[{CJK}](?:[{CJK}\-–]*[{CJK}])?"
TERM = re.compile(rf"^(?:{LATIN_TOKEN} ?)?(?P<cjk>{CJK_RUN})(?: ?{LATIN_TOKEN})?$")
PAREN = re.compile(r"(?P<pre>[A-Za-z][A-Za-z0-9'’\-–]*)[*_`]*\s{0,3}[(（](?P<body>[^()（）\n]*)[)）]")
SPLIT = re.compile(r"[,，、/;；]")
MAX_CJK = 10

# Quoted phrases of the author's notes that the prose glosses in parentheses; they are images or
# sentences, not terms, so they have no glossary row.
NOT_TERMS = {
    "反复横跳": "the notes' image for an oscillating iterate ('jumping from side to side'), not a term",
    "浪费计算量": "the notes' phrase 'wasting computation', not a term",
    "瞎子下山": "the notes' image 'a blind man walking downhill', not a term",
    "对学习率不敏感": "the notes' phrase 'insensitive to the learning rate', not a term",
    "空间变换": "the notes' phrase 'a change of coordinate space' for what a hidden layer does, not a term",
    "对应相乘相加": "the notes' phrase 'multiply matching entries and add them up', not a term",
    "隔离带": "the notes' image 'an isolation belt' for the empty band of the margin, not a term",
    "低维空间的混乱": "a quoted motto of the notes ('disorder in low dimensions'), not a term",
    "高维空间的秩序": "a quoted motto of the notes ('order in high dimensions'), not a term",
    "隐藏层少": "the notes' phrase 'few hidden units' for the bottleneck, not a term",
    "先采样再聚合": "the notes' phrase 'sample first, then aggregate' for GraphSAGE, not a term",
    "蝴蝶效应": "the butterfly effect, an image from chaos theory for 3.5's sensitivity, not a term of the book",
    "冬奥会": "the Winter Olympics, named in the preface, not a term",
    "惯性": "inertia, the physical image the notes use for momentum (动量 is the term), not a term",
    "内存布局": "a memory layout, an aside on the compiler, not a term of the book",
    "马赛克": "a mosaic, one of the everyday corruptions in 15.2's experiment, not a term",
    "水印": "a watermark, one of the everyday corruptions in 15.2's experiment, not a term",
    "抠图": "cutting a subject out of a photo, an everyday application named in 15.2, not a term",
}


def _split_pair(text, sep):
    return [t.strip() for t in text.split(sep) if t.strip()]


def _english_variants(cell):
    """'pooling (max, average)' -> ['pooling', 'max pooling', 'average pooling']; 'multilayer
    perceptron (MLP)' -> ['multilayer perceptron', 'mlp']; 'bias (of an estimator)' -> ['bias']."""
    out = []
    for part in _split_pair(cell, ";"):
        m = re.match(r"^(?P<head>[^(]*?)\s*\((?P<inner>[^)]*)\)\s*$", part)
        if not m:
            out.append([part.lower()])
            continue
        head, inner = m["head"].strip(), m["inner"].strip()
        if re.fullmatch(r"[A-Z][A-Za-z0-9]*", inner):  # an abbreviation
            out.append([head.lower(), inner.lower()])
        elif "," in inner:  # kinds: "pooling (max, average)"
            out.append([head.lower()] + [f"{k.strip()} {head}".lower() for k in inner.split(",")])
        else:  # a qualifier: "bias (of an estimator)"
            out.append([head.lower()])
    return out


def _chinese_variants(cell):
    """'池化（最大池化、平均池化）' -> ['池化', '最大池化', '平均池化']; '精确率；召回率' -> two."""
    out = []
    for part in _split_pair(cell, "；"):
        m = re.match(r"^(?P<head>[^（(]*)[（(](?P<inner>[^）)]*)[）)]$", part)
        if m:
            out.append([m["head"].strip()] + _split_pair(m["inner"], "、"))
        else:
            out.append([part])
    return out


def load_glossary():
    """Returns (english -> set of Chinese terms it may be glossed with, set of all Chinese terms,
    number of rows)."""
    english, chinese, rows = {}, set(), 0
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("English", "") or set(cells[0]) <= set("-"):
            continue
        rows += 1
        en, zh = _english_variants(cells[0]), _chinese_variants(cells[1])
        assert len(en) == len(zh), f"glossary row {line!r}: {len(en)} English terms but {len(zh)} Chinese"
        for en_group, zh_group in zip(en, zh):
            assert len(en_group) == len(zh_group) or len(zh_group) == 1, f"glossary row {line!r}: cannot pair {en_group} with {zh_group}"
            chinese.update(zh_group)
            if len(en_group) == len(zh_group):  # "pooling (max, average)" pairs one to one
                for e, z in zip(en_group, zh_group):
                    english.setdefault(e, set()).add(z)
            else:  # "multilayer perceptron (MLP)": every English spelling has the one Chinese
                for e in en_group:
                    english.setdefault(e, set()).update(zh_group)
    return english, chinese, rows


def _docstrings(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                yield getattr(node, "name", "module"), doc


def sources():
    """(label, text) for every piece of prose the test reads."""
    for path in sorted((ROOT / "notebooks").rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        nb = json.loads(path.read_text(encoding="utf-8"))
        for i, cell in enumerate(nb["cells"]):
            if cell["cell_type"] == "markdown":
                yield f"{path.relative_to(ROOT)} cell {i}", "".join(cell["source"])
    pages = sorted((ROOT / "book").glob("*.md")) + sorted((ROOT / "notebooks").glob("*/index.md"))
    for path in pages:
        if path != GLOSSARY:
            yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "d2lite").glob("*.py")):
        for name, doc in _docstrings(path):
            yield f"{path.relative_to(ROOT)} docstring of {name}", doc


def _strip_code(text):
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    return text


CITE = re.compile(r"\{cite:\w+\}`[^`]*`")


def extract_terms(text):
    """(English context before the parenthesis, [Chinese terms in it]) for each parenthesis of text
    that holds at least one term. The context starts after the last ``*`` before the parenthesis,
    so that it is the emphasised term ("a chain of hidden *states* (状态)" -> "states")."""
    text = CITE.sub("", _strip_code(text))
    for m in PAREN.finditer(text):
        context = text[max(0, m.start() - 80):m.start("pre") + len(m["pre"])]
        context = context[context.rfind("*") + 1:]
        terms = [part.strip() for part in SPLIT.split(m["body"])
                 if TERM.match(part.strip()) and len(re.findall(f"[{CJK}]", part)) <= MAX_CJK]
        if terms:
            yield context, terms


def _words(text):
    # "pre-training" and "pretraining", "bias–variance" and "bias-variance" are the same words
    return re.sub(r"[*_`{}()]", " ", text).lower().replace("–", "").replace("-", "").split()


def glossary_english_for(context, english):
    """The longest glossary English term that the context ends with, or None."""
    words = _words(context)
    best = None
    for term in english:
        tw = _words(term)
        n = len(tw)
        if n > len(words):
            continue
        tail = words[-n:]
        last_ok = tail[-1] in (tw[-1], tw[-1] + "s", tw[-1] + "es") or (
            tw[-1].endswith("y") and tail[-1] == tw[-1][:-1] + "ies")
        if tail[:-1] == tw[:-1] and last_ok and (best is None or n > len(_words(best))):
            best = term
    return best


ENGLISH, CHINESE, ROWS = load_glossary()
FOUND = [(label, context, terms) for label, text in sources() for context, terms in extract_terms(text)]
TERMS = [(label, context, term) for label, context, terms in FOUND for term in terms]


def test_glossary_parses_and_extraction_finds_terms():
    assert ROWS >= 80 and len(CHINESE) >= ROWS
    assert len(TERMS) >= 250, f"only {len(TERMS)} parenthesised Chinese terms found; is the extraction broken?"
    # The rule itself, on made-up prose:
    assert list(extract_terms("the *learning rate* (学习率) and *KL divergence*（KL散度）")) == [
        ("learning rate", ["学习率"]), ("KL divergence", ["KL散度"])]
    assert [t for _, t in extract_terms("*GRU* (门控循环单元, GRU {cite:p}`cho2014`)")] == [["门控循环单元"]]
    assert [t for _, t in extract_terms("*RBF kernel* (径向基核/高斯核)")] == [["径向基核", "高斯核"]]
    assert not list(extract_terms("(学习率)")), "a parenthesis not after a Latin word is not a term"
    assert not list(extract_terms("step (学习率 × 斜率 = 步长)")), "a formula is not a term"
    assert glossary_english_for("the *hidden states", ENGLISH) == "hidden state"
    assert glossary_english_for("use *max pooling", ENGLISH) == "max pooling"
    assert glossary_english_for("pretraining", ENGLISH) == "pre-training"
    # What the checks catch, on made-up prose: a wrong pairing, and a term the glossary lacks.
    [(context, terms)] = extract_terms("the *precision* (召回率)")
    assert not ENGLISH[glossary_english_for(context, ENGLISH)] & set(terms)
    [(context, terms)] = extract_terms("*global average pooling* (全局平均汇聚)")
    assert terms[0] not in CHINESE


def test_not_terms_are_still_used():
    used = {term for _, _, term in TERMS}
    stale = sorted(set(NOT_TERMS) - used)
    assert not stale, f"NOT_TERMS lists phrases the book no longer uses: {stale}"


def test_every_chinese_term_is_in_the_glossary():
    missing = [f"{label}: {term!r} (after ...{context[-30:]!r})" for label, context, term in TERMS
               if term not in CHINESE and term not in NOT_TERMS]
    assert not missing, "Chinese terms not in book/glossary.md (add a row or fix the term):\n" + "\n".join(missing)


def test_every_chinese_term_matches_its_english():
    wrong = []
    for label, context, terms in FOUND:
        terms = [t for t in terms if t not in NOT_TERMS]
        en = glossary_english_for(context, ENGLISH)
        if terms and en is not None and not ENGLISH[en] & set(terms):
            wrong.append(f"{label}: {en!r} glossed {terms}; the glossary says {sorted(ENGLISH[en])}")
    assert not wrong, "Chinese terms that disagree with book/glossary.md:\n" + "\n".join(wrong)


@pytest.mark.parametrize("english,chinese", [("precision", "精确率"), ("pooling", "池化"),
                                             ("attention pooling", "注意力汇聚")])
def test_the_terms_issue_19_named(english, chinese):
    assert ENGLISH[english] == {chinese}
