"""The API's pagination: DRF's limit/offset, with a ceiling on `limit`.

DRF sets no `max_limit`, so `?limit=99999999999999999999` went to the database as a LIMIT that
SQLite refused ("datatype mismatch"): a server error any signed-in user could cause. A larger
limit now reads as MAX_LIMIT, as DRF does for any `max_limit`.
"""

from rest_framework import pagination

MAX_LIMIT = 1000


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    max_limit = MAX_LIMIT
