"""The demo-city builder's shared state. `manage.py seed_demo` calls `seed(ctx)` in the
`demo` module of every installed app that has one, in INSTALLED_APPS order; later apps add
their own data to the same city and may read what earlier apps left in `ctx.objects`."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO


@dataclass
class DemoContext:
    city_code: str
    persons: int
    stdout: TextIO
    logins_file: Path
    posts: int = 10_000  # real posts the opinion demo replays (at most the 10,000 shipped)
    objects: dict[str, Any] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.stdout.write(line + "\n")
