"""The ``ecotown`` command line: a thin layer that parses arguments and calls the packages."""

import os

#: the environment as the command started, before any library set a variable (pyproj and pyogrio set their CA
#: bundles when imported): ``ecotown server start`` gives it to the server and the console script sends it with
#: each command, so that the two agree (see launch.py). Taken here, as every way into the CLI imports this first.
ORIGINAL_ENV = dict(os.environ)
