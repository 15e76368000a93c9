"""``qadeck serve``: the preview page on 127.0.0.1, rebuilt whenever cards/ or templates/ change.

The page polls a version number and reloads itself when a rebuild finished (no extension, no
websocket). A rebuild that fails shows its ``file:line`` problems on the page instead of stale cards,
and the server keeps running. Ctrl-C (or SIGTERM) stops it.
"""
from __future__ import annotations

import html
import signal
import tempfile
import threading
from dataclasses import replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

from .errors import InputError, QadeckError
from .history import Clock
from .pipeline import BuildOptions, build

POLL = """<script>(function(){var v=%d;setInterval(function(){fetch('/__version').then(function(r){return r.text()})
.then(function(t){if(+t!==v)location.reload()}).catch(function(){})},500)})();</script>"""


class _State:
    """The latest page and its version, shared by the watcher and the request handlers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version = 0
        self.page = ""

    def publish(self, page: str) -> None:
        with self.lock:
            self.version += 1
            self.page = _with_reload(page, self.version)

    def read(self) -> tuple[int, str]:
        with self.lock:
            return self.version, self.page


def _with_reload(page: str, version: int) -> str:
    # The preview's policy forbids every connection; the live page may ask its own server for news.
    page = page.replace("default-src 'none';", "default-src 'none'; connect-src 'self';", 1)
    return page.replace("</body>", POLL % version + "</body>", 1) if "</body>" in page else page + POLL % version


def error_page(problems: list[str]) -> str:
    items = "".join(f"<li><code>{html.escape(p)}</code></li>" for p in problems)
    return ("<!doctype html><html><head><meta charset='utf-8'>"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
            "script-src 'unsafe-inline';\"><title>qadeck: problems</title>"
            "<style>body{font:16px/1.6 system-ui,sans-serif;margin:2em;color:#1f2328}h1{color:#b42318}"
            "code{white-space:pre-wrap}</style></head><body>"
            f"<h1>{len(problems)} problem(s): the preview waits for a fix</h1><ul class='problems'>{items}</ul></body></html>")


def rebuild(options: BuildOptions, workdir: Path) -> str:
    """The preview page of a fresh build, or the error page listing what is wrong."""
    page = workdir / "preview.html"
    try:
        build(replace(options, output=workdir / "deck.apkg", html=page, check_only=False, write_ledger=False),
              Clock.from_environment())
    except InputError as exc:
        return error_page([str(p) for p in exc.problems])
    except QadeckError as exc:
        return error_page([str(exc)])
    return page.read_text(encoding="utf-8")


def _handler(state: _State):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            version, page = state.read()
            if self.path == "/__version":
                body, kind = str(version).encode(), "text/plain"
            elif self.path in ("/", "/index.html"):
                body, kind = page.encode("utf-8"), "text/html; charset=utf-8"
            else:
                self.send_error(HTTPStatus.NOT_FOUND)
                return
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", kind)
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # quiet: the terminal shows rebuilds, not requests
            pass

    return Handler


def serve(options: BuildOptions, port: int, announce: Callable[[str], None]) -> None:
    """Serve until interrupted. ``announce`` receives the URL and one line per rebuild."""
    from watchfiles import watch

    state = _State()
    stop = threading.Event()
    with tempfile.TemporaryDirectory(prefix="qadeck-serve-") as tmp:
        workdir = Path(tmp)
        state.publish(rebuild(options, workdir))
        server = ThreadingHTTPServer(("127.0.0.1", port), _handler(state))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        announce(f"serving http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            watched = [str(p) for p in (options.cards_dir, options.templates_dir) if Path(p).is_dir()]
            for _changes in watch(*watched, stop_event=stop, debounce=200, raise_interrupt=False):
                state.publish(rebuild(options, workdir))
                announce(f"rebuilt (version {state.read()[0]})")
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            server.shutdown()
            server.server_close()
