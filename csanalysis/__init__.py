import csanalysis._version as _v; __version__ = _v.__version__
