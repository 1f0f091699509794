"""coursepack: annotated readers compiled into a Sphinx site, printable PDFs and citations."""

__version__ = "0.1.0"
