"""gistpath: response assessment, advice, trials and outcome analysis for advanced GIST."""

__version__ = "0.1.0"
