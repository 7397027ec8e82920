"""Writing .npz files whose bytes depend on their arrays only.

`numpy.savez` stamps each member with the time it was written, so two runs of the same training
give different files; the artefacts and the word vectors promise identical bytes for identical
data, and checking that is how a retraining is verified.
"""

import io
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
