import thads  # noqa: F401 - its allocator settings must be in place before polars loads
