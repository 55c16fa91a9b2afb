from rest_framework import pagination

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """``?limit=&offset=``: 50 by default, at most 500."""

    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT
