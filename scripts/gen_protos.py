"""Regenerates the protobuf and gRPC stubs next to the .proto files in proto/ (one command; CI
runs it and fails on a diff)."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from google.api import http_pb2
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "proto"


def main() -> int:
    sources = sorted(str(p.relative_to(PROTO_ROOT)) for p in PROTO_ROOT.rglob("*.proto"))
    for stale in PROTO_ROOT.rglob("*_pb2*.py*"):
        stale.unlink()
    well_known = str(resources.files("grpc_tools") / "_proto")
    # google/api (http, field_behavior) and google/type (date, money): the .proto files that
    # googleapis-common-protos installs beside its generated modules, which are imported from it.
    googleapis = str(Path(http_pb2.__file__).resolve().parents[2])
    args = [
        "protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"-I{googleapis}",
        f"--python_out={PROTO_ROOT}",
        f"--pyi_out={PROTO_ROOT}",
        f"--grpc_python_out={PROTO_ROOT}",
        *sources,
    ]
    code = protoc.main(args)
    if code != 0:
        print(f"protoc failed with exit code {code}", file=sys.stderr)
        return code
    print(f"generated stubs for {len(sources)} proto files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
