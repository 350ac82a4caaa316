"""The signing server: the one process that holds the platform's signing keys and signs PDFs
(PAdES) for the other components over gRPC, and answers RFC 3161 timestamp requests over HTTP.

It exists so that no eventlet process ever runs pyHanko: pyHanko drives its own asyncio loop, which
fails when a second signature starts on the same OS thread (all of a nameko service's green
threads share one). Several replicas may share one port (SO_REUSEPORT) or sit behind a list of
addresses; callers fail over between them.
"""
