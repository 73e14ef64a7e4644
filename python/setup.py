"""Builds the nashnet package: the Python sources plus the protocol modules generated from the
repository's proto/ at build time (stubgen.py). Metadata is in pyproject.toml.

    /usr/bin/python3 -m venv --system-site-packages .venv
    .venv/bin/pip install --no-build-isolation ./python
"""

import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stubgen import default_proto_dir, generate_stubs  # noqa: E402


class BuildPyWithStubs(build_py):
    """build_py, then nashnet/v1/*_pb2*.py into the build folder (so into the wheel)."""

    def run(self):
        super().run()
        generate_stubs(default_proto_dir(), Path(self.build_lib))


setup(cmdclass={"build_py": BuildPyWithStubs})
