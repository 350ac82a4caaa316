"""The gRPC message limits of the platform's own channels and servers, the same on both ends of
every link so a message one side may send the other side may read.

gRPC's defaults (4 MiB received, unlimited sent) refuse the largest messages the contracts allow
(proto/onestop/common/v1/limits.proto: a 10 MiB material or PDF, a signed PDF a little larger)
with a bare RESOURCE_EXHAUSTED. What is inside a message is checked field by field by
onestop_common.limits; these options only bound the envelope.
"""

from __future__ import annotations

# The largest document a contract carries (limits.proto: materials, PDFs to sign, licenses).
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# The largest gRPC message between the platform's processes and from its clients: a document at
# its limit, grown by a signature, with the fields around it.
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
# The link to the signer carries a whole e-license bundle (a license PDF of up to 10 MiB, the
# seal impressions, the platform's pages) in one message: both ends of that link use this.
MAX_BUNDLE_MESSAGE_BYTES = 64 * 1024 * 1024

GrpcOptions = list[tuple[str, int]]


# gRPC backs off up to two minutes between reconnection attempts to a peer that went away, and
# meanwhile fails every call at once: a restarted component would look down long after it is back.
RECONNECT_OPTIONS: GrpcOptions = [
    ("grpc.initial_reconnect_backoff_ms", 250),
    ("grpc.min_reconnect_backoff_ms", 250),
    ("grpc.max_reconnect_backoff_ms", 3000),
]


def channel_options(max_message_bytes: int = MAX_MESSAGE_BYTES) -> GrpcOptions:
    """Options for a grpcio channel to a platform component."""
    return [*_both_ways(max_message_bytes), *RECONNECT_OPTIONS]


def server_options(max_message_bytes: int = MAX_MESSAGE_BYTES) -> GrpcOptions:
    """Options for a grpcio server of a platform component."""
    return _both_ways(max_message_bytes)


def _both_ways(max_message_bytes: int) -> GrpcOptions:
    return [
        ("grpc.max_send_message_length", max_message_bytes),
        ("grpc.max_receive_message_length", max_message_bytes),
    ]
