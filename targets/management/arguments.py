"""Argument types the commands share: a file to read and a file to write, checked when the command
line is read, so that a mistyped path is a one-line error, not a Python traceback halfway through."""

import argparse
from pathlib import Path


def file_to_read(text: str) -> Path:
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text}: no such file" if not path.exists() else f"{text} is a folder, not a file")
    return path


def file_to_write(text: str) -> Path:
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder; name the file to write")
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"{path.parent}: no such folder")
    return path
