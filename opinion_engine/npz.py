"""Writing .npz files whose bytes depend on their arrays only.

`numpy.savez` stamps each member with the time it was written, so two runs of the same training
give different files; the artefacts and the word vectors promise identical bytes for identical
data, and checking that is how a retraining is verified.
"""

import io
import json
import zipfile
from pathlib import Path

import numpy as np


def write_npz(arrays: dict[str, np.ndarray], path: Path) -> None:
    """Write `arrays` as a deflated .npz with fixed timestamps; no array may need pickle."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for key, value in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, value, allow_pickle=False)
            info = zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue(), compresslevel=9)


def json_array(value) -> np.ndarray:
    """A JSON-able value as a uint8 array, the way the .npz files carry their metadata (sorted
    keys, so the same value gives the same bytes)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1)
    return np.frombuffer(text.encode(), dtype=np.uint8)


def read_json_array(array: np.ndarray):
    """The value json_array stored."""
    return json.loads(array.tobytes().decode("utf-8"))
