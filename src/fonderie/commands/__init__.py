"""One module per `fonderie` subcommand, each with `register(subparsers)`; keep imports here light (--help)."""

COMMANDS = (
    "run",
    "status",
    "inspect",
    "verify",
    "langid",
    "dedup",
    "strip_pages",
    "train",
    "generate",
    "export",
    "feedback",
)
