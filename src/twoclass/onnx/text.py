"""The text block in ONNX: words as the vectorizer splits them (onnxruntime's Tokenizer), their n-gram counts (ONNX's
TfIdfVectorizer, or MurmurHash3 for the hashing method) and the TF-IDF weighting in double.

Example:
    >>> out, names = _text_block(ex, stored["text"][0])  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import numpy as np

from twoclass.onnx.blocks import _Export, _known_entries
from twoclass.onnx.graph import _DOUBLE, _INT64, HASHING_NGRAM_OPSET

# Python's (?u)\b\w\w+\b in RE2 (onnxruntime's regex engine), whose \w and \b are ASCII-only: a maximal run of two or
# more letters, digits or underscores, Unicode-wide. Greedy leftmost matching makes the runs maximal, as \b does.
TOKEN_PATTERN = r"[\pL\pN_]{2,}"
SKLEARN_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
PAD = "#"  # what the Tokenizer pads short rows with; never a token, since tokens are letters, digits and _
LOCALE = "C"  # the one locale every onnxruntime build has: lowercases A-Z only (en_US.UTF-8 is missing on many hosts)


def _check_vectorizer(vectorizer: Any, column: str, expected: dict[str, Any]) -> None:
    found = {key: getattr(vectorizer, key, None) for key in expected}
    differ = {key: value for key, value in found.items() if value != expected[key]}
    if differ:
        raise ValueError(
            f"The text column '{column}' is vectorized with settings the ONNX exporter does not know "
            f"({differ}); this twoclass cannot export it to ONNX."
        )


def _tokens(ex: _Export, column: str) -> str:
    """Lowercase (A-Z only: LOCALE) and split into words as the vectorizer's default token pattern does: [N + 1, T].
    One empty row is appended, since StringNormalizer refuses an empty batch; `_text_block` drops it again."""
    g = ex.g
    docs = g.op("Concat", [ex.flat(column, "text"), g.const("empty_row", [""], str)], axis=0)
    lowered = g.op("StringNormalizer", [docs], case_change_action="LOWER", locale=LOCALE)
    return g.op(
        "Tokenizer", [lowered], domain="com.microsoft", tokenexp=TOKEN_PATTERN, mark=0, mincharnum=1, pad_value=PAD
    )


def _term_counts(ex: _Export, tokens: str, terms: list[str], ngram_range: tuple[int, int]) -> str:
    """Counts of each vocabulary term (word n-grams) per row, float [N, n_terms]: ONNX's own TfIdfVectorizer op."""
    by_length: dict[int, list[tuple[int, list[str]]]] = {n: [] for n in range(1, ngram_range[1] + 1)}
    for i, term in enumerate(terms):
        words = term.split(" ")
        by_length[len(words)].append((i, words))
    pool: list[str] = []
    counts: list[int] = []
    indexes: list[int] = []
    for n in range(1, ngram_range[1] + 1):
        counts.append(len(pool))
        for i, words in by_length[n]:
            pool.extend(words)
            indexes.append(i)
    return ex.g.op(
        "TfIdfVectorizer",
        [tokens],
        mode="TF",
        min_gram_length=ngram_range[0],
        max_gram_length=ngram_range[1],
        max_skip_count=0,
        ngram_counts=counts,
        ngram_indexes=indexes,
        pool_strings=pool,
    )


def _hashed_counts(ex: _Export, tokens: str, ngram_range: tuple[int, int], n_features: int) -> str:
    """HashingVectorizer's counts, double [N, n_features]: each word n-gram ('w1 w2', StringConcat) hashed with
    MurmurHash3 (seed 0, signed, as scikit-learn), column abs(h) % n_features, counts added with ScatterElements."""
    g = ex.g
    valid = g.op(
        "Cast",
        [g.op("LabelEncoder", [tokens], domain="ai.onnx.ml", keys_strings=[PAD], values_int64s=[0], default_int64=1)],
        to=_DOUBLE,
    )

    def part(array: str, k: int, n: int) -> str:  # the k-th word of every n-gram: array[:, k : T - (n - 1 - k)]
        end = -(n - 1 - k) if n - 1 - k else np.iinfo(np.int64).max
        return g.op(
            "Slice",
            [array, g.const("start", [k], np.int64), g.const("end", [end], np.int64), g.const("axis", [1], np.int64)],
        )

    columns, weights = [], []
    space = g.const("space", [" "], str)
    for n in range(ngram_range[0], ngram_range[1] + 1):
        gram, present = part(tokens, 0, n), part(valid, 0, n)
        for k in range(1, n):
            gram = g.op("StringConcat", [g.op("StringConcat", [gram, space]), part(tokens, k, n)])
            present = g.op("Mul", [present, part(valid, k, n)])
        hashed = g.op("Cast", [g.op("MurmurHash3", [gram], domain="com.microsoft", positive=0, seed=0)], to=_INT64)
        columns.append(g.op("Mod", [g.op("Abs", [hashed]), g.const("n_features", n_features, np.int64)]))
        weights.append(present)
    rows = g.op("Gather", [g.op("Shape", [tokens]), g.const("first", [0], np.int64)])
    shape = g.op("Concat", [rows, g.const("width", [n_features], np.int64)], axis=0)
    zeros = g.op("ConstantOfShape", [shape], value=_tensor(np.zeros(1, np.float64)))
    index = g.op("Concat", columns, axis=1) if len(columns) > 1 else columns[0]
    update = g.op("Concat", weights, axis=1) if len(weights) > 1 else weights[0]
    return g.op("ScatterElements", [zeros, index, update], axis=1, reduction="add")


def _tensor(array: np.ndarray) -> Any:
    from onnx import numpy_helper

    return numpy_helper.from_array(array)


def _tfidf_weighting(ex: _Export, counts: str, idf: np.ndarray, sublinear: bool) -> str:
    """TfidfTransformer(norm='l2') in double: log(tf) + 1 where tf > 0 (skl2onnx's converter computes log(1 + tf)),
    times idf, each row divided by its Euclidean norm (rows of zeros stay zeros)."""
    g = ex.g
    tf = g.op("Cast", [counts], to=_DOUBLE)
    zero, one = g.const("zero", 0.0, np.float64), g.const("one", 1.0, np.float64)
    if sublinear:
        tf = g.op("Where", [g.op("Greater", [tf, zero]), g.op("Add", [g.op("Log", [tf]), one]), zero])
    weighted = g.op("Mul", [tf, g.const("idf", idf.reshape(1, -1), np.float64)])
    squares = g.op("ReduceSum", [g.op("Mul", [weighted, weighted]), g.const("axis", [1], np.int64)], keepdims=1)
    norm = g.op("Sqrt", [squares])
    norm = g.op("Where", [g.op("Equal", [norm, zero]), one, norm])
    return g.op("Div", [weighted, norm])


def _text_block(ex: _Export, data: dict[str, Any]) -> tuple[str, list[str]]:
    """TF-IDF of word n-grams: StringNormalizer + onnxruntime's Tokenizer + ONNX's TfIdfVectorizer (or MurmurHash3
    for the hashing method), then the TF-IDF weighting in double (see `_tfidf_weighting`)."""
    from twoclass.data.blocks import TextBlock

    method = data.get("method")
    extra = {"terms", "idf", "max_features"} if method == "tfidf" else {"n_features", "idf"}
    _known_entries(data, {"column", "method", "ngram_range"} | extra, "text block")
    block = TextBlock.from_dict(data)
    vectorizer, column = block.vectorizer, block.column
    common = {
        "analyzer": "word",
        "lowercase": True,
        "token_pattern": SKLEARN_TOKEN_PATTERN,
        "strip_accents": None,
        "preprocessor": None,
        "tokenizer": None,
        "binary": False,
        "stop_words": None,
    }
    tokens = _tokens(ex, column)
    if block.method == "tfidf":
        _check_vectorizer(vectorizer, column, {**common, "norm": "l2", "use_idf": True})
        terms = vectorizer.get_feature_names_out().tolist()
        counts = _term_counts(ex, tokens, terms, vectorizer.ngram_range)
        weighting, sublinear = vectorizer.idf_, vectorizer.sublinear_tf
        foreign = sorted((t for t in terms if not t.isascii()), key=lambda t: t.count(" "))  # words first
        if foreign:
            shown = ", ".join(repr(t) for t in foreign[:3])
            ex.note(
                f"Text column '{column}': ONNX lowercases only the letters A-Z (the runtime's locales vary), and "
                f"{len(foreign)} of its vocabulary terms have other letters (e.g. {shown}); such words written "
                "with capitals ('CAFÉ') are not counted as they are in Python."
            )
    else:
        _check_vectorizer(vectorizer, column, {**common, "alternate_sign": False, "norm": None})
        _check_vectorizer(block.weighting, column, {"norm": "l2", "use_idf": True})
        if vectorizer.ngram_range[1] > 1:
            ex.opset = max(ex.opset, HASHING_NGRAM_OPSET)
        counts = _hashed_counts(ex, tokens, vectorizer.ngram_range, vectorizer.n_features)
        weighting, sublinear = block.weighting.idf_, block.weighting.sublinear_tf
        ex.note(
            f"Text column '{column}' (hashed words): ONNX lowercases only the letters A-Z (the runtime's locales "
            "vary), so words with other capital letters ('CAFÉ', 'Ärger') hash differently than in Python."
        )
    g = ex.g
    counts = g.op(
        "Slice",
        [counts, g.const("start", [0], np.int64), g.const("end", [-1], np.int64), g.const("axis", [0], np.int64)],
    )  # without the appended row
    return _tfidf_weighting(ex, counts, np.asarray(weighting, np.float64), sublinear), block.feature_names()
