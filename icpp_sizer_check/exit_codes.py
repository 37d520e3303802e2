"""The exit codes and what each means: the one table --help, the README and
every run read. Nothing is imported here, so the lightest path can use it."""

EXIT_OK = 0
# A document is stale or missing, a threshold fails, or a model does not fit.
EXIT_CHECK_FAILED = 1
# The input cannot be used: bad arguments, or a config that is not valid.
EXIT_BAD_INPUT = 2
# Only for a bug in this tool; never for anything a user wrote.
EXIT_INTERNAL_ERROR = 3

EXIT_CODES = (
    (EXIT_OK, "every document is up to date (or was written) and every model meets its threshold"),
    (
        EXIT_CHECK_FAILED,
        "a document is stale or missing, a model serves fewer users than its threshold "
        "or does not fit, or (with --exit-non-zero-on-write) a document was written",
    ),
    (
        EXIT_BAD_INPUT,
        "bad arguments, no configs found, an invalid config, or a file that cannot be "
        "read or written; with an invalid config or an unreadable document, nothing "
        "is written",
    ),
    (EXIT_INTERNAL_ERROR, "an internal error: a bug in this tool (please report it)"),
)
