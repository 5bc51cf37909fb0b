"""What a file really is; the detection lives with the one file reader in ``applens.engines``."""

from applens.engines.files import FileInfo, detect

__all__ = ["FileInfo", "detect"]
