"""Filtering and ordering of the refund list."""

from rest_framework.filters import OrderingFilter

from refunds.api.serializers import RefundFilterSerializer


def filter_params(query_params) -> dict:
    """Validate the list's query parameters; `state` may repeat or be
    comma-separated."""
    # Building the serializer's fields costs a tenth of a plain list's
    # answer; without a filter (most pages) there is nothing to validate.
    if not any(name in query_params for name in FILTER_NAMES):
        return {}
    data = query_params.copy()
    states = [
        state.strip()
        for value in query_params.getlist("state")
        for state in value.split(",")
        if state.strip()
    ]
    data.setlist("state", states)
    serializer = RefundFilterSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


FILTER_NAMES = tuple(RefundFilterSerializer._declared_fields)

_LOOKUPS = {
    "reason": "reason",
    "currency": "currency",
    "enterprise": "enterprise_id",
    "owner": "owner_id",
    "created_after": "created_at__gte",
    "created_before": "created_at__lt",
    "amount_min": "amount__gte",
    "amount_max": "amount__lte",
}


def filter_refunds(queryset, params: dict):
    if params.get("state"):
        queryset = queryset.filter(state__in=params["state"])
    lookups = {
        lookup: params[name] for name, lookup in _LOOKUPS.items() if name in params
    }
    return queryset.filter(**lookups)


class KeysetOrdering(OrderingFilter):
    """The `ordering` parameter; the keyset pagination adds the id as a
    tie-breaker."""

    ordering_fields = ("created_at", "amount", "reference")

    def get_schema_operation_parameters(self, view):
        # The parameter is described with the other filters.
        return []
