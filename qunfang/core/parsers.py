"""The API's JSON parser: DRF's, with every body a client can send turned into a 400.

DRF's JSONParser turns the ValueError of bad JSON into a ParseError, but not the RecursionError
that Python's json raises on arrays or objects nested some thousand deep: that reached the
client as a server error. And JSON can spell a lone UTF-16 surrogate ("\\ud800", half an emoji
pair cut by a client), which Python decodes but no database can store: every string of the body
has its lone surrogates replaced by U+FFFD (`opinion_engine.normalize.valid_strings`).
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from opinion_engine.normalize import valid_strings

E_TOO_DEEP = "JSON 格式错误：嵌套过深"
E_TOO_LONG_NUMBER = "JSON 格式错误：数字位数过多"  # beyond the 4,300 digits int() converts


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(E_TOO_DEEP) from None
        return valid_strings(data)
