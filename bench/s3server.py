"""A port and a delay in, moto's S3 server on 127.0.0.1 out, in a process of its own.

``python bench/s3server.py PORT DELAY_MS`` serves moto's S3 backend (its Flask app for S3
alone: moto's host dispatcher lists its own package folder on every request) through
werkzeug's threaded server, as moto's ThreadedMotoServer does. Every request waits DELAY_MS
before it is handled, in its own thread, standing for the network round trip a real store
is away: parallel uploads exist to overlap those waits, and on loopback there are none.
It prints ``ready`` once it listens, and exits when its standard input closes.

Its own process, so that the benchmark can read the server's CPU time apart from the
client's, and so that the benchmark's sampling threads do not share its interpreter lock.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any


def main(argv: list[str]) -> int:
    port, delay = int(argv[0]), float(argv[1]) / 1000
    from moto.moto_server.werkzeug_app import MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    s3 = create_backend_app("s3")

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if delay:
            time.sleep(delay)
        result: Iterable[bytes] = s3(environ, start_response)
        return result

    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("ready", flush=True)
    sys.stdin.read()
    server.shutdown()
    os._exit(0)  # request threads still waiting on a client do not hold the exit up


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
