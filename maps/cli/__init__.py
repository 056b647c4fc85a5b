"""The ``ecotown`` command line: a thin layer that parses arguments and calls the packages."""
