"""thads-analytics: the civil judgment enforcement (THADS) backlog pipeline of a province."""

import os

# polars allocates through its own jemalloc, which keeps freed pages for ~10 s by default. The nightly run
# frees a few GB when validation ends and starts the warehouse build at once, so the build's memory was
# stacked on pages nobody used. A background purge with a 1 s decay hands them back to the system in time.
# jemalloc reads this when polars loads: the packages that use polars import `thads` first.
os.environ.setdefault("_RJEM_MALLOC_CONF", "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0")
