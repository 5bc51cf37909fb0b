"""The web dashboard and JSON API of ``applens serve``.

>>> from applens.web import create_app                       # doctest: +SKIP
>>> app = create_app(Workspace.open("applens-demo"))          # doctest: +SKIP
"""

from applens.web.app import DEFAULT_MAX_UPLOAD_BYTES, create_app, safe_filename

__all__ = ["DEFAULT_MAX_UPLOAD_BYTES", "create_app", "safe_filename"]
