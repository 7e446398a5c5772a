"""Tokenizer training and token shards: what the `tokenizer` and `tokenize` stages are made of.

    train.py     stratified, streamed sample of the documents -> byte-level BPE (HF `tokenizers`) -> the files
                 `transformers` loads, and a fertility / bytes-per-token report per language
    encoder.py   `TokenEncoder`: the ids of `tokenizer.json`, computed by tiktoken when the tokenizer maps onto it
                 exactly (checked when loaded), by HF `tokenizers` otherwise
    files.py     the layout of a token folder, dtypes, deterministic hashes, and `ShardRoller` (shards that roll
                 over at a token count, written `.tmp` then renamed, checksummed while written)
    manifest.py  `manifest.json`: built from what the tasks wrote, and checked again by `fonderie verify`

A token folder (`OUTPUT/NN_tokenize/tokens/`) is plain Parquet that polars, pandas, DuckDB or `datasets` read as is:

    manifest.json                 written last; its presence means every shard is there (format in manifest.py)
    tokenizer/                    a copy of the tokenizer the ids were made with (`tokenizer.json` & co.)
    train/shard-RRRRR-KKKKK.parquet   one row per document: id, source, input_ids (uint16 or uint32), n_tokens
    val/shard-RRRRR-KKKKK.parquet     the same, for the documents whose id hash falls in `val_fraction`
"""

from __future__ import annotations

BOS, EOS, PAD = "<|bos|>", "<|eos|>", "<|pad|>"
# the chat markers of the feedback stage: <|system|>...<|end|><|user|>...<|end|><|assistant|>...<|end|>
ROLE_TOKENS = ("<|system|>", "<|user|>", "<|assistant|>", "<|end|>")
# ids 0..6 in this order: a tokenizer trained by fonderie always has <|eos|> = 1
SPECIAL_TOKENS = (BOS, EOS, PAD, *ROLE_TOKENS)

# Pre-tokenization (where BPE merges may never cross), one regex shared by HF `tokenizers` (Oniguruma) and tiktoken
# (fancy-regex); every character is matched by one of its alternatives, as tiktoken requires:
#   - a word: letters and combining marks, after at most one other non-digit character (usually the space), and
#     the apostrophe of an elision when a letter follows: `l'homme` -> `l'` `homme`, `qu’il` -> ` qu’` `il`,
#     `aujourd'hui` -> `aujourd'` `hui`. The apostrophe stays with the word it shortens, so `homme` after `l'` is
#     the same token as at the start of a line, and `'homme` never becomes a token of its own;
#   - one digit: numbers are spelled digit by digit (`2024` is 4 tokens), so arithmetic sees every digit;
#   - a run of punctuation or symbols, after at most one space, with the line breaks that follow it;
#   - whitespace: line breaks with the spaces before them, then runs of spaces (the last space is left to the
#     next word, so ` mot` stays one token after an indentation).
PRETOKENIZE_PATTERN = (
    r"[^\r\n\p{L}\p{M}\p{N}]?+[\p{L}\p{M}]+(?:['’](?=\p{L}))?"
    r"|\p{N}"
    r"| ?[^\s\p{L}\p{M}\p{N}]++[\r\n]*"
    r"|\s*[\r\n]+"
    r"|\s+(?!\S)"
    r"|\s+"
)
