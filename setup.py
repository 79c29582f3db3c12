"""Build shim for ``scrapyd-deploy``, which builds the egg with ``python setup.py bdist_egg``.

Without this file scrapyd-deploy writes its own setup.py into the repository. Everything (name, version,
packages, package data, the ``scrapy`` settings entry point Scrapyd needs) is in pyproject.toml.
"""

from setuptools import setup

setup()
