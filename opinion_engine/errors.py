"""Errors the engine raises, with messages a person can act on (Chinese for user-facing ones)."""


class EngineError(Exception):
    pass


class SchemeSyntaxError(EngineError):
    """A monitoring-scheme expression that cannot be parsed; `position` is a 0-based offset."""

    def __init__(self, message: str, expression: str, position: int) -> None:
        self.message = message
        self.expression = expression
        self.position = position
        pointer = " " * position + "^"
        super().__init__(f"{message}（第{position + 1}个字符）\n{expression}\n{pointer}")


class IngestError(EngineError):
    """A whole input that cannot be read (unknown format, unreadable file)."""


class DatasetError(EngineError):
    """A labelled file that cannot be used as a whole: empty, not CSV text, or without the
    columns its task needs. (A bad row is counted and skipped, never raised.)"""


class ModelMissing(EngineError):
    """A model artefact is not where it should be; run `python -m opinion_engine.train`."""
