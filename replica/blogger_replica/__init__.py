"""An offline replica of a Blogger blog, for the archiver's tests, demo and benchmarks: never for real crawls."""

__version__ = "0.2.0"
