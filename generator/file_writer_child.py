"""The writer process of a build: creates the files the build hands it through a pipe, on a core of its own.

Run as a script (`python -I -S file_writer_child.py`, by `generator.background_files`), it imports nothing beyond
`os`, `sys` and `struct`, so it starts in a few milliseconds and holds a few megabytes.

The protocol, on standard input, is a sequence of records, each a header `struct` `HEADER` (kind, length of the
path, length of the data) then the path (UTF-8) and the data:
- `W`: write the data to the path (its folders are made when missing); the file is written from the start, as
  `open(path, "wb")` would (mode 0o666 less the umask);
- `D`: make the folder at the path and its parents (no data);
- `S`: answer, on standard output, with the first error met so far (or none) and keep going;
- `Q`: answer the same way, then exit.
An answer is a header-less line: `ok` or `error <errno> <path>` (the path last, it may hold spaces). After an
error the process goes on reading, but writes nothing more: the build fails as soon as it asks. When the build's
process is gone (killed), the writer stops at the next record rather than write into a staging folder that the next
build is deleting.
"""

from __future__ import annotations

import os
import struct
import sys

TYPE_CHECKING = False  # (not typing's: importing typing would double this process's start-up time)
if TYPE_CHECKING:
    from typing import BinaryIO

HEADER = struct.Struct("<cII")  # kind, path length, data length
FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


def write_file(path: str, data: bytes) -> None:
    try:
        handle = os.open(path, FLAGS, 0o666)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handle = os.open(path, FLAGS, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(handle, view) :]
    finally:
        os.close(handle)


def serve(source: BinaryIO, answers: BinaryIO) -> None:
    read, answer, flush = source.read, answers.write, answers.flush
    build = os.getppid()
    error = ""
    while True:
        header = read(HEADER.size)
        if len(header) < HEADER.size or os.getppid() != build:
            return  # the build is over or was killed: what is still in the pipe must not land in a folder it left
        kind, path_length, data_length = HEADER.unpack(header)
        path = read(path_length).decode("utf-8", "surrogateescape")
        data = read(data_length) if data_length else b""
        if kind in (b"W", b"D") and not error:
            try:
                if kind == b"W":
                    write_file(path, data)
                else:
                    os.makedirs(path, exist_ok=True)
            except OSError as failure:
                error = f"error {failure.errno or 0} {path}"
        elif kind in (b"S", b"Q"):
            answer(((error or "ok") + "\n").encode("utf-8", "surrogateescape"))
            flush()
            if kind == b"Q":
                return


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
