"""Hostile input against every page a user can reach: no answer may be a server error.

    QUNFANG_VAR_DIR=/tmp/qf-fuzz python scripts/fuzz_pages.py sysadmin nc_zhen [--max-pages N]

(`make fuzz` builds a throw-away demo city under var/fuzz/ and runs it for three roles.)

Signed in as each user (demo usernames; "-" for nobody, who starts from the public pages), it
crawls from "/" through the links of every HTML page
(at most two pages per URL shape, `--max-pages` in all), and on each page:
- opens the page again with hostile query strings (a word, a negative number, 20 digits, NUL,
  an impossible date) for the parameters the list pages read;
- submits every form once as rendered, then once per field with each hostile value (empty, 3,000
  characters, NUL, numbers too large for any column, "²", impossible dates, markup, emoji...),
  two values for one name, and, for a file input, broken spreadsheets and binary files;
- opens every route of the URL configuration with ids of real rows and the same query strings.

It prints one JSON line: requests sent, pages and forms seen, and each failure (an exception
or a 5xx) with the request that caused it; the exit status is 1 when there is any. Each new
failure is also written to stderr as it is found. It writes to
the database it is pointed at, so point it at a throw-away one. The tests pin each bug it found;
this is the net for the next ones.
"""

import argparse
import json
import os
import re
import sys
import traceback
from collections import defaultdict, deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.apps import apps  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from qunfang.org.testing import all_routes  # noqa: E402

HOSTILE = [
    "",
    " ",
    "x" * 3000,
    "a\x00b",
    "a\nb",
    "a\x0bb\x01",
    "-1",
    "0",
    "99999999999999999999999",
    "9" * 5000,
    "²",
    "１２",
    "1e308",
    "NaN",
    "2026-02-30",
    "0001-01-01",
    "9999-12-31",
    "2026-11-30T25:61",
    "<script>alert(1)</script>",
    "😀𠀀",
    "' OR 1=1 --",
]
CHOICES = ["999999999", "abc", "", "-1"]
ANONYMOUS = "-"  # as a username: nobody signed in, starting from the public pages
QUERY_KEYS = ("page", "q", "name", "date", "status", "region", "day", "month", "from", "to")
QUERY_VALUES = (
    "abc",
    "-1",
    "99999999999999999999",
    "\x00",
    "²",
    "2026-13-45",
    "0001-01-01",
    "9999-12-31",
)
ROUTE_QUERIES = ["", "limit=99999999999999999999", "offset=-1", "page=abc", "q=%00", "format=x"]
FILES = {
    "empty.xlsx": b"",
    "garbage.xlsx": b"\x00\x01garbage" * 50,
    "broken.docx": b"PK\x03\x04broken",
    "gbk.csv": "姓名,身份证号\n张三,1234\n".encode("gbk"),
    "binary.csv": bytes(range(256)) * 4,
    "deep.jsonl": b'{"text": ' + b"[" * 50_000 + b"]" * 50_000 + b"}\n",
}


class Page(HTMLParser):
    """The links and forms of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: list | None = None
        self._textarea: list | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "option" and self._select is not None:
            # A select submits its selected option, or its first.
            if self._select[2] is None or "selected" in a:
                self._select[2] = a.get("value", "")
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"method": a.get("method", "get").lower(), "action": a.get("action")}
            self._form["fields"] = []
            self.forms.append(self._form)
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                kind = "submit"
            elif kind in ("checkbox", "radio") and "checked" not in a:
                kind = "unchecked"
            self._form["fields"].append([a["name"], kind, a.get("value", "")])
        elif tag == "button":
            self._form["fields"].append([a["name"], "submit", a.get("value", "")])
        elif tag == "select":
            self._select = [a["name"], "select", None]
            self._form["fields"].append(self._select)
        elif tag == "textarea":
            self._textarea = [a["name"], "textarea", ""]
            self._form["fields"].append(self._textarea)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[2] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


class Fuzzer:
    def __init__(self) -> None:
        self.failures: dict[tuple, list] = defaultdict(list)
        self.requests = 0

    def call(self, client: Client, method: str, path: str, data=None, who: str = ""):
        self.requests += 1
        try:
            if method == "get":
                response = client.get(path, data or {})
            else:
                response = client.post(path, data or {})
        except Exception as error:
            frames = [
                frame
                for frame in traceback.extract_tb(error.__traceback__)
                if "site-packages" not in frame.filename
            ]
            where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
            self._fail((type(error).__name__, where, str(error)[:100]), who, method, path, data)
            return None
        if response.status_code >= 500:
            self._fail((f"HTTP {response.status_code}", path), who, method, path, data)
        return response

    def _fail(self, key: tuple, who: str, method: str, path: str, data) -> None:
        if key not in self.failures:  # as found, so a run cut short still shows it
            print("FAIL", *key, method.upper(), path[:200], file=sys.stderr, flush=True)
        self.failures[key].append((who, method, path[:200], _short(data)))

    def form(self, client: Client, page_path: str, form: dict, who: str) -> None:
        action = urlsplit(urljoin(page_path, form["action"] or page_path))
        if (action.netloc and action.netloc != "127.0.0.1") or "logout" in action.path:
            return
        target = action._replace(scheme="", netloc="").geturl()
        fields = form["fields"]
        base = {
            name: value or ""
            for name, kind, value in fields
            if kind not in ("submit", "unchecked", "file")
        }
        variants = [dict(base)]
        for name, kind, _value in fields:
            if kind in ("submit", "file") or name == "csrfmiddlewaretoken":
                continue
            for hostile in CHOICES if kind == "select" else HOSTILE:
                variants.append({**base, name: hostile})
            variants.append({**base, name: ["1", "abc"]})
        for name, kind, _value in fields:
            if kind == "file":
                variants += [{**base, name: filename} for filename in FILES]
        submits = [(name, value) for name, kind, value in fields if kind == "submit"] or [None]
        for submit in submits:
            for variant in variants:
                data = dict(variant)
                if submit:
                    data[submit[0]] = submit[1]
                for name, kind, _value in fields:
                    if kind == "file" and name in data:
                        data[name] = SimpleUploadedFile(data[name], FILES[data[name]])
                self.call(client, form["method"], target, data, who)

    def crawl(self, username: str, max_pages: int) -> tuple[int, int]:
        client = _client(username)
        seen: set[str] = set()
        shapes: dict[str, int] = defaultdict(int)
        forms_done: set[tuple] = set()
        queue = deque(_public_pages() if username == ANONYMOUS else ["/"])
        pages = 0
        while queue and pages < max_pages:
            path = queue.popleft()
            if path in seen:
                continue
            seen.add(path)
            page_shape = shape(urlsplit(path).path)
            if shapes[page_shape] >= 2:
                continue
            shapes[page_shape] += 1
            response = self.call(client, "get", path, who=username)
            pages += 1
            if response is None or response.status_code != 200:
                continue
            if "text/html" not in response.get("Content-Type", ""):
                continue
            parsed = Page()
            parsed.feed(response.content.decode("utf-8", "replace"))
            for href in parsed.links:
                parts = urlsplit(urljoin(path, href))
                if parts.netloc and parts.netloc != "127.0.0.1":
                    continue
                if "logout" in parts.path or parts.path.startswith("/static"):
                    continue
                queue.append(parts._replace(scheme="", netloc="", fragment="").geturl())
            query = dict(parse_qsl(urlsplit(path).query))
            for key in QUERY_KEYS:
                for value in QUERY_VALUES:
                    hostile = urlsplit(path).path + "?" + urlencode({**query, key: value})
                    self.call(client, "get", hostile, who=username)
            for form in parsed.forms:
                names = tuple(field[0] for field in form["fields"])
                key = (page_shape, shape(form["action"] or ""), form["method"], names)
                if key not in forms_done:
                    forms_done.add(key)
                    self.form(client, path, form, username)
        return pages, len(forms_done)

    def routes(self, username: str) -> int:
        client = _client(username)
        ids = sorted(
            {
                pk
                for model in apps.get_models()
                if model.__module__.startswith("qunfang.")
                for pk in model.objects.order_by("pk").values_list("pk", flat=True)[:1]
                if isinstance(pk, int)
            }
        )[:2] or [1]
        checked = 0
        for _name, route, _view in all_routes():
            if "logout" in route:
                continue
            for pk in ids:
                path = re.sub(
                    r"<(?:\w+:)?(\w+)>",
                    lambda m, pk=pk: (
                        "140525100200" if m.group(1) in ("code", "region") else str(pk)
                    ),
                    route,
                )
                path = "/" + re.sub(r"[\^\$]", "", path).replace("\\", "").lstrip("/")
                for query in ROUTE_QUERIES:
                    self.call(client, "get", path + ("?" + query if query else ""), who=username)
                checked += 1
        return checked


def _short(data) -> dict:
    return {key: repr(value)[:40] for key, value in (data or {}).items()}


def _client(username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    if username != ANONYMOUS:
        client.force_login(get_user_model().objects.get(username=username))
    return client


def _public_pages() -> list[str]:
    """Where an anonymous visitor starts: the public pages, which link nowhere inside."""
    from qunfang.core.public import is_public

    tokens = [
        value
        for model in apps.get_models()
        if model.__module__.startswith("qunfang.")
        and any(field.name == "token" for field in model._meta.fields)
        for value in model.objects.values_list("token", flat=True)[:1]
    ]
    found = []
    for _name, route, view in all_routes():
        if is_public(view):
            path = re.sub(
                r"<(?:\w+:)?(\w+)>",
                lambda m: tokens[0] if m.group(1) == "token" and tokens else "1",
                route,
            )
            found.append("/" + re.sub(r"[\^\$]", "", path).lstrip("/"))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "users", nargs="+", help=f"usernames to sign in as (demo accounts); {ANONYMOUS}: nobody"
    )
    parser.add_argument("--max-pages", type=int, default=600, help="pages crawled per user")
    args = parser.parse_args(argv)
    setup_test_environment()
    fuzzer = Fuzzer()
    seen = {}
    for username in args.users:
        pages, forms = fuzzer.crawl(username, args.max_pages)
        routes = fuzzer.routes(username)
        seen[username] = {"pages": pages, "forms": forms, "routes": routes}
    failures = [
        {"error": list(key), "count": len(cases), "examples": cases[:3]}
        for key, cases in sorted(fuzzer.failures.items(), key=lambda item: -len(item[1]))
    ]
    print(
        json.dumps(
            {"requests": fuzzer.requests, "users": seen, "failures": failures},
            ensure_ascii=False,
        )
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
