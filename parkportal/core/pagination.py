"""Keyset pages for long lists.

A page is "the next N rows after this one" in the list's order, found with
an index seek on (ordering field, id): page 1 000 costs what page 1 costs,
no COUNT(*) runs over the table, and a row inserted while someone pages
never shifts what they see. The id breaks ties, so ordering by a column
with repeated values (an amount, a day) pages exactly.
"""

import base64
import binascii
import json
from datetime import date, datetime
from decimal import Decimal

from django.db.models import F, Field, Func, Q, Value
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


def _flip(key: str) -> str:
    return key[1:] if key.startswith("-") else f"-{key}"


def _plain(value):
    # Full precision: a cursor that lost microseconds would skip or repeat
    # rows created within the same millisecond.
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _after(keys: list[str], values: list) -> Q:
    """Rows strictly after `values` in the order `keys`, compared as a
    tuple."""
    condition = Q()
    equal_so_far = Q()
    for key, value in zip(keys, values, strict=True):
        field = key.lstrip("-")
        lookup = "lt" if key.startswith("-") else "gt"
        condition |= equal_so_far & Q(**{f"{field}__{lookup}": value})
        equal_so_far &= Q(**{field: value})
    return condition


class _Row(Func):
    """A row value, `(a, b)`, which PostgreSQL and SQLite compare as a
    tuple."""

    function = ""
    output_field = Field()


def _row_after(queryset, keys: list[str], values: list):
    """`_after` as one row comparison, for keys that all sort the same way:
    each key's expression appears once in the condition, so a computed key
    (the queue's nearest deadline) is evaluated once per row, and an index
    on the keys can seek to the cursor."""
    names = [key.lstrip("-") for key in keys]
    bounds = [
        Value(_field_of(queryset, name).to_python(value), _field_of(queryset, name))
        for name, value in zip(names, values, strict=True)
    ]
    lookup = "lt" if keys[0].startswith("-") else "gt"
    return queryset.alias(keyset_row=_Row(*(F(name) for name in names))).filter(
        **{f"keyset_row__{lookup}": _Row(*bounds)}
    )


def _rows_after(queryset, keys: list[str], values: list):
    if len({key.startswith("-") for key in keys}) == 1:
        return _row_after(queryset, keys, values)
    return queryset.filter(_after(keys, values))


def _field_of(queryset, name: str):
    annotation = queryset.query.annotations.get(name)
    if annotation is not None:
        return annotation.output_field
    return queryset.model._meta.get_field(name)


def _value(row, name: str):
    # A page holds model instances or, from a values() query, dicts.
    return row[name] if isinstance(row, dict) else getattr(row, name)


class KeysetPagination(CursorPagination):
    ordering = ("-id",)
    page_size_query_param = "page_size"
    max_page_size = 200
    invalid_cursor_message = _("This page link is not valid.")

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        if not self.page_size:
            return None
        self.base_url = request.build_absolute_uri()
        self.keys = self._keys(request, queryset, view)
        values, backwards = self._decode(request)

        keys = [_flip(key) for key in self.keys] if backwards else self.keys
        queryset = queryset.order_by(*keys)
        if values is not None:
            queryset = _rows_after(queryset, keys, values)
        rows = list(queryset[: self.page_size + 1])
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if backwards:
            rows.reverse()

        self.has_next = True if backwards else more
        self.has_previous = more if backwards else values is not None
        self.page = rows
        return rows

    def _keys(self, request, queryset, view) -> list[str]:
        keys = list(self.get_ordering(request, queryset, view))
        pk = queryset.model._meta.pk.name
        keys = [
            key.replace("pk", pk) if key.lstrip("-") == "pk" else key for key in keys
        ]
        if not any(key.lstrip("-") == pk for key in keys):
            keys.append(f"-{pk}" if keys and keys[0].startswith("-") else pk)
        return keys

    def _decode(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if not encoded:
            return None, False
        try:
            cursor = json.loads(base64.urlsafe_b64decode(encoded.encode()))
            values, backwards = cursor["v"], bool(cursor["b"])
        except (binascii.Error, ValueError, KeyError, TypeError):
            raise NotFound(self.invalid_cursor_message) from None
        if not isinstance(values, list) or len(values) != len(self.keys):
            raise NotFound(self.invalid_cursor_message)
        return values, backwards

    def _link(self, row, backwards: bool) -> str:
        values = [_plain(_value(row, key.lstrip("-"))) for key in self.keys]
        cursor = json.dumps({"v": values, "b": backwards}, separators=(",", ":"))
        encoded = base64.urlsafe_b64encode(cursor.encode()).decode()
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def get_next_link(self):
        if not (self.has_next and self.page):
            return None
        return self._link(self.page[-1], backwards=False)

    def get_previous_link(self):
        if not (self.has_previous and self.page):
            return None
        return self._link(self.page[0], backwards=True)

    def get_paginated_response(self, data):
        return Response(
            {
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )
