"""What a single-file HTML page loads or sends to another host, judged from its code, not its data.

The Allure single-file report is an HTML page whose scripts carry the report's data as base64
strings (`d("data/test-results/….json", "<base64>")` calls, and attachments the same way):
test data, including whatever Hypothesis drew, lives there. Data is never fetched from its
text, so it is never searched: a request value `google-analytics` in an attachment is not a
third party. What can reach another host is judged where it happens:

- elements that load: script/img/iframe/frame/embed/source/audio/video/track/input `src`,
  `srcset`, `poster`, object `data`, link `href` (stylesheet, icon, preload, prefetch,
  preconnect, ...), base `href`, `<meta http-equiv=refresh>` targets;
- CSS (`<style>` and `style=` attributes): `url(...)` and `@import`;
- code that runs (inline scripts and `data:` script sources, decoded): a URL of another host
  (`http(s)://`, `ws(s)://`, `//host`) written as a string literal handed straight to what
  loads or sends (fetch, XMLHttpRequest.open, sendBeacon, WebSocket, EventSource,
  importScripts, import(), an element's src/href/action, setAttribute, location), and any URL
  literal naming a known analytics host. A string literal elsewhere (a report option such as
  a CI job URL, a link the user may click) is data, not a request.
"""
from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from urllib.parse import unquote_to_bytes

# (tag, attribute) pairs whose value the browser fetches by itself.
_LOADING = {("script", "src"), ("img", "src"), ("img", "srcset"), ("iframe", "src"), ("frame", "src"),
            ("embed", "src"), ("object", "data"), ("source", "src"), ("source", "srcset"), ("audio", "src"),
            ("video", "src"), ("video", "poster"), ("track", "src"), ("input", "src"), ("link", "href"),
            ("base", "href"), ("image", "href"), ("image", "xlink:href"), ("use", "href"), ("use", "xlink:href")}
# Hosts of analytics and tracking services: a URL of one in code is a problem wherever it is.
ANALYTICS_HOSTS = ("googletagmanager.com", "google-analytics.com", "doubleclick.net", "segment.io", "segment.com",
                   "mixpanel.com", "hotjar.com", "plausible.io", "clarity.ms", "mc.yandex.ru")
_REMOTE = re.compile(r"^\s*(?:(?:https?|wss?|ftp):)?//[^/\s]", re.I)
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')""", re.I)
# JavaScript string literals (double, single, template), escapes kept whole.
_JS_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'|`((?:[^`\\]|\\.)*)`', re.S)
_REMOTE_IN_JS = re.compile(r"(?:(?:https?|wss?):)?//[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+[^\s\"'`]*", re.I)
# Just before a string literal: it is what gets loaded or sent.
_SINK = re.compile(r"""(?:\b(?:fetch|sendBeacon|WebSocket|EventSource|importScripts|import|open|assign|replace)"""
                   r"""\s*\(\s*"""
                   r"""(?:["'][A-Za-z]+["']\s*,\s*)?|\.(?:src|href|action|data|srcset|poster)\s*=\s*|"""
                   r"""setAttribute\s*\(\s*["'](?:src|href|action|data|srcset|poster)["']\s*,\s*|"""
                   r"""\blocation(?:\.href)?\s*=\s*)$""")
_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\";]+)", re.I)


def remote(url: str) -> bool:
    """A URL that names another host (anything but relative, fragment, data:, blob:, about:, file)."""
    return bool(_REMOTE.match(url or ""))


def data_url_text(url: str) -> str | None:
    """The decoded text of a `data:` URL, None for any other URL."""
    if not url.strip().lower().startswith("data:") or "," not in url:
        return None
    meta, payload = url.strip()[5:].split(",", 1)
    if meta.lower().endswith(";base64"):
        raw = base64.b64decode(payload + "=" * (-len(payload) % 4))
    else:
        raw = unquote_to_bytes(payload)
    return raw.decode("utf-8", errors="replace")


def css_problems(css: str, where: str) -> list[str]:
    found = [next(g for g in m.groups() if g is not None) for m in _CSS_URL.finditer(css)]
    return [f"{where} CSS loads {url}" for url in found if remote(url)]


def script_problems(code: str, where: str) -> list[str]:
    """Remote URLs that code which runs would load or send to (see the module docstring)."""
    problems = []
    for m in _JS_STRING.finditer(code):
        literal = next(g for g in m.groups() if g is not None)
        for url in _REMOTE_IN_JS.findall(literal):
            host = re.sub(r"^(?:[a-z]+:)?//", "", url, flags=re.I).split("/")[0].split(":")[0].lower()
            if _SINK.search(code, max(0, m.start() - 80), m.start()):
                problems.append(f"{where} requests {url}")
            elif any(host == h or host.endswith("." + h) for h in ANALYTICS_HOSTS):
                problems.append(f"{where} names the analytics host {url}")
    return problems


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in: str | None = None  # "script" or "style" while inside one (its text is code)
        self._text: list[str] = []
        self._runs = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): v or "" for k, v in attrs}
        for name, value in values.items():
            if (tag, name) in _LOADING:
                urls = [u.strip().split(" ")[0] for u in value.split(",")] if name == "srcset" else [value]
                self.problems += [f"<{tag} {name}> loads {u}" for u in urls if remote(u)]
            if name == "style":
                self.problems += css_problems(value, f"<{tag} style>")
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            target = _REFRESH_URL.search(values.get("content", ""))
            if target and remote(target.group(1)):
                self.problems.append(f"<meta http-equiv=refresh> goes to {target.group(1)}")
        if tag == "script":
            kind = values.get("type", "").lower()
            self._runs = kind in ("", "module", "text/javascript", "application/javascript")
            source = data_url_text(values.get("src", ""))
            if source is not None and self._runs:
                self.problems += script_problems(source, "<script src=data:…>")
        if tag == "link" and "stylesheet" in values.get("rel", "").lower():
            sheet = data_url_text(values.get("href", ""))
            if sheet is not None:
                self.problems += css_problems(sheet, "<link href=data:…>")
        if tag in ("script", "style"):
            self._in, self._text = tag, []

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag != self._in:
            return
        text = "".join(self._text)
        if tag == "style":
            self.problems += css_problems(text, "<style>")
        elif self._runs:
            self.problems += script_problems(text, "inline <script>")
        self._in, self._runs = None, True


def third_party_problems(html: str) -> list[str]:
    """Everything in the page that would load from or send to another host (empty: none)."""
    page = _Page()
    page.feed(html)
    page.close()
    return page.problems
