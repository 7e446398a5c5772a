"""Language-aware text helpers shared by steps: word and sentence splitting, stop words."""
