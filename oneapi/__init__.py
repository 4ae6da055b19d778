"""One API in Python: an LLM API gateway compatible with one-api."""
__version__ = "0.1.0"


def create_app(config=None):
    from .app import create_app as _create_app

    return _create_app(config)


__all__ = ["create_app", "__version__"]
