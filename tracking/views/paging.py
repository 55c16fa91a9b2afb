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
        offset = (number - 1) * cls.size
        rows = list(queryset[offset : offset + cls.size + 1])
        return cls(rows[: cls.size], number, len(rows) > cls.size)

    @property
    def has_previous(self) -> bool:
        return self.number > 1
