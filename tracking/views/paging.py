"""Long lists, a page at a time."""

from dataclasses import dataclass


@dataclass
class ListPage:
    """One page of a list (entries, the trash, tasks), without counting the whole list.

    Django's Paginator counts every matching row to number the pages; over a million
    entries that count cost more than the page itself (docs/performance.md). One extra row
    tells whether there is a next page.
    """

    object_list: list
    number: int
    has_next: bool
    size = 50
    # Far beyond any real list, and small enough for every database's OFFSET.
    last_number = 1_000_000

    @classmethod
    def of(cls, queryset, number) -> "ListPage":
        try:
            number = min(max(1, int(number or 1)), cls.last_number)
        except ValueError:
            number = 1
        rows = cls._rows(queryset, number)
        if not rows and number > 1:
            # Past the end (a link kept after entries were deleted, a number typed in): the
            # last page, numbered as it is, rather than an empty one whose "previous" link
            # leads to another empty page. Counting is paid only here.
            number = max(1, -(-queryset.count() // cls.size))
            rows = cls._rows(queryset, number)
        return cls(rows[: cls.size], number, len(rows) > cls.size)

    @classmethod
    def _rows(cls, queryset, number) -> list:
        """The page's rows and one more, which says whether there is a next page."""
        offset = (number - 1) * cls.size
        return list(queryset[offset : offset + cls.size + 1])

    @property
    def has_previous(self) -> bool:
        return self.number > 1
