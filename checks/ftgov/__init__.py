"""ftgov: fine-tune objective governance as code."""

__version__ = "0.1.0"
