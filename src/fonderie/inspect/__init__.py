"""`fonderie inspect`: polars summaries of what a stage wrote (documents.py: document shards; tokens.py: token
shards, rows decoded back to text)."""
