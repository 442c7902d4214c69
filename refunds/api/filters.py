"""Filtering and ordering of the refund list."""

from rest_framework.filters import OrderingFilter

from refunds.api.serializers import RefundFilterSerializer


def filter_params(query_params) -> dict:
    """Validate the list's query parameters; `state` may repeat or be
    comma-separated."""
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
