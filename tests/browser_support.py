"""Real-browser helpers: Playwright driving a locally installed Chromium (Debian's ``chromium``).

No browser is ever downloaded. Without Playwright or Chromium the browser tests are skipped with
the reason, except under CI (``CI=true``), where a missing browser fails them.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
VIEWPORTS = [(360, 740), (412, 915)]


def find_chromium() -> str | None:
    """``QADECK_CHROMIUM`` if set, else the first Chromium found on this machine."""
    wanted = os.environ.get("QADECK_CHROMIUM")
    for candidate in ([wanted] if wanted else CANDIDATES):
        found = candidate if Path(candidate).is_file() else shutil.which(candidate)
        if found and os.access(found, os.X_OK):
            return found
    return None


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"{reason} -- browser tests are required under CI=true (.ci/run installs chromium)",
                    pytrace=False)
    pytest.skip(f"{reason}; install Debian's chromium (apt-get install chromium) or set QADECK_CHROMIUM")


def launch_browser():
    """-> (playwright, browser); skip/fail as documented when no browser is available."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    executable = find_chromium()
    if executable is None:
        wanted = os.environ.get("QADECK_CHROMIUM")
        _unavailable(f"QADECK_CHROMIUM={wanted} is not an executable" if wanted
                     else "no Chromium found (looked for " + ", ".join(CANDIDATES) + ")")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    return playwright, browser


def card_page(html: str, night: bool) -> str:
    """Anki's card HTML (``<style>`` + content) as a phone shows it: <body class="card"> in a
    device-width viewport; night mode adds both classes Anki uses."""
    classes = "card nightMode night_mode" if night else "card"
    return ('<!DOCTYPE html><html><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
            f'<body class="{classes}">{html}</body></html>')


# --- WCAG 2.x contrast -------------------------------------------------------------------------

def parse_color(css: str) -> tuple[float, float, float, float]:
    """``#rrggbb`` / ``#rgb`` / ``rgb()`` / ``rgba()`` -> (r, g, b, alpha), channels 0-255."""
    css = css.strip()
    if css.startswith("#"):
        hexa = css[1:]
        if len(hexa) == 3:
            hexa = "".join(c * 2 for c in hexa)
        return int(hexa[0:2], 16), int(hexa[2:4], 16), int(hexa[4:6], 16), 1.0
    match = re.fullmatch(r"rgba?\(([^)]*)\)", css)
    if not match:
        raise ValueError(f"unsupported colour {css!r}")
    parts = [float(p) for p in re.split(r"[,\s/]+", match.group(1).strip()) if p]
    return parts[0], parts[1], parts[2], (parts[3] if len(parts) > 3 else 1.0)


def relative_luminance(color: str | tuple) -> float:
    r, g, b = (parse_color(color) if isinstance(color, str) else color)[:3]

    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(fg: str | tuple, bg: str | tuple) -> float:
    lighter, darker = sorted((relative_luminance(fg), relative_luminance(bg)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
