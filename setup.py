"""The compiled prefilter of batch screening (docs/screening.md, "The compiled fast path"),
cythonized and built by `pip install`; everything else is in pyproject.toml. Without the
built module the engine runs the reference path and says so."""

from setuptools import Extension, setup

setup(
    ext_modules=[Extension("ringfence.screening._kernel", ["src/ringfence/screening/_kernel.pyx"])]
)
