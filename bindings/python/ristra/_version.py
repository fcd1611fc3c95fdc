"""The binding's own version. Its major number must equal libristra's: the
binding refuses a library of another major version (see _lib.py)."""
__version__ = "2.0.0"
MAJOR = int(__version__.split(".")[0])
