"""What every room's process starts from: the pipeline imported and the language models loaded, once.

The local engine forks rooms from a fork server that imported this module, so the ~120 MB of imported
code and lingua's ~85 MB of models are shared copy-on-write by every room instead of loaded per room.
Forking is only safe from a single-threaded process: the models are loaded lazily by detecting a few
comments (lingua's eager preload starts a thread pool) and the fork server runs one BLAS thread.
"""

from __future__ import annotations

from bot.fleet import room_run  # noqa: F401 - imported for its side effect: the whole pipeline is loaded
from bot.language.detect import LINGUA

# A few comments in each language the shop speaks load every n-gram model lingua will use for them.
for comment in ("ao do gia bao nhieu vay shop", "cho minh hoi size m con khong",
                "hello how much is this red shirt", "do you ship to hanoi", "zhe ge duo shao qian"):
    LINGUA.confidences(comment)
