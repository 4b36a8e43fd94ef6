"""The one error the store raises when it can't be opened or used: a message for a person."""

from __future__ import annotations

# The advice that ends most messages about a store that can't be used.
ELSEWHERE = "or set data_dir (MICROMENTOR_DATA_DIR) or storage.url to another place"


class StoreError(RuntimeError):
    """The store can't be opened, created or upgraded; the text says why and what to do.

    A RuntimeError, so the command line reports it like any start-up failure: one line
    `micromentor: cannot start: ...`, exit status 1, no traceback.
    """
