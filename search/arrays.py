"""Arrays stored end to end in one file and read back as views of one read-only mapping: one
descriptor per file, and pages shared by every process that maps it (the page cache)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

ALIGN = 64


def write_arrays(path: Path, arrays: dict[str, np.ndarray]) -> dict[str, list]:
    """Write ``arrays`` end to end (each aligned) into one file; their dtype, shape, offset."""
    layout = {}
    with open(path, "wb") as out:
        for name, array in arrays.items():
            array = np.ascontiguousarray(array)
            out.write(b"\0" * (-out.tell() % ALIGN))
            layout[name] = [array.dtype.str, list(array.shape), out.tell()]
            out.write(array.tobytes())
    return layout


def mapped(path: Path, layout: dict[str, list]):
    """A function giving each array of ``path`` as a read-only view of one shared mapping."""
    whole = np.memmap(path, dtype=np.uint8, mode="r") if path.stat().st_size else None

    def load(name: str) -> np.ndarray:
        dtype, shape, offset = layout[name]
        if whole is None or not np.prod(shape):
            return np.zeros(shape, dtype=dtype)
        return np.ndarray(tuple(shape), dtype=dtype, buffer=whole, offset=offset)

    return load
