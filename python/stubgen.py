#!/usr/bin/python3
"""Generates the protocol's Python modules (nashnet/v1/*_pb2.py, *_pb2_grpc.py) from proto/.

Used by setup.py at build time (pip install) and by CMake for <build>/python (the tests'
copy of the package). Needs grpc_tools (Debian's python3-grpc-tools).

    python3 python/stubgen.py --proto-dir proto --out build/release/python
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

PROTOS = ("nashnet/v1/spec.proto", "nashnet/v1/coordinator.proto")


def default_proto_dir() -> Path:
    """$NASHNET_PROTO_DIR, else the repository's proto/ next to this folder."""
    env = os.environ.get("NASHNET_PROTO_DIR")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "proto"


def generate_stubs(proto_dir: Path, out_dir: Path) -> None:
    """Writes out_dir/nashnet/v1/{__init__,*_pb2,*_pb2_grpc}.py; RuntimeError naming the fault."""
    for proto in PROTOS:
        if not (proto_dir / proto).is_file():
            raise RuntimeError(f"nashnet stubs: {proto_dir / proto} not found (build from the "
                               "nashnet repository, or set NASHNET_PROTO_DIR to its proto/)")
    try:
        from grpc_tools import protoc  # Debian's python3-grpc-tools
    except ImportError as e:
        raise RuntimeError("nashnet stubs: grpc_tools is missing (apt-get install "
                           "python3-grpc-tools; a venv needs --system-site-packages)") from e
    target = out_dir / "nashnet" / "v1"
    target.mkdir(parents=True, exist_ok=True)
    args = ["grpc_tools.protoc", f"-I{proto_dir}", f"--python_out={out_dir}",
            f"--grpc_python_out={out_dir}"] + [str(proto_dir / p) for p in PROTOS]
    if protoc.main(args) != 0:
        raise RuntimeError(f"nashnet stubs: protoc failed: {' '.join(args)}")
    (target / "__init__.py").write_text('"""The generated protocol modules (proto/nashnet/v1)."""\n')


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proto-dir", type=Path, default=default_proto_dir())
    parser.add_argument("--out", type=Path, required=True, help="the folder that holds nashnet/")
    args = parser.parse_args(argv)
    try:
        generate_stubs(args.proto_dir, args.out)
    except RuntimeError as e:
        print(f"stubgen.py: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
