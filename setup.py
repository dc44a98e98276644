# setuptools reads everything else from pyproject.toml; cffi's hook needs the setup() keyword.
from setuptools import setup

setup(cffi_modules=["build.py:ffibuilder"])
