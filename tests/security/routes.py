"""The routes the URL configuration serves, walked from `get_resolver()`,
and concrete paths for them built from real objects."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

API_PREFIX = "api/v1/"
# Pages of the portal the matrix covers: everything outside the API but the
# admin (Django's own), the schema and docs, language switching and probes.
SKIPPED_PREFIXES = (
    "admin/",
    "api/schema/",
    "api/docs/",
    "i18n/",
    "healthz",
    "readyz",
    "metrics",
)


@dataclass(frozen=True)
class Route:
    name: str  # namespaced, as reverse() takes it
    pattern: str
    methods: tuple[str, ...]  # empty for function views: the matrix says
    kwargs: tuple[str, ...]

    @property
    def api(self) -> bool:
        return self.pattern.startswith(API_PREFIX)


def _methods(callback) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)
    if actions:
        # HEAD and OPTIONS follow GET and the view's own checks.
        return tuple(sorted(set(actions) - {"head", "options"}))
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:
        return ()
    names = [
        m for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m)
    ]
    return tuple(names)


def _walk(resolver, prefix="", namespace=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}{entry.namespace}:"
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield Route(
                name=namespace + entry.name,
                pattern=prefix + str(entry.pattern),
                methods=_methods(entry.callback),
                kwargs=tuple(entry.pattern.regex.groupindex),
            )


def walk_routes() -> list[Route]:
    return [
        route
        for route in _walk(get_resolver())
        if not route.pattern.startswith(SKIPPED_PREFIXES)
    ]


def concrete_path(route: Route, values: dict) -> str:
    """`values` maps a URL keyword to the value for this route: either a
    plain value or a dict from route name to value."""
    kwargs = {}
    for key in route.kwargs:
        value = values[key]
        if isinstance(value, dict):
            value = value.get(route.name, value["*"])
        kwargs[key] = value
    return reverse(route.name, kwargs=kwargs)
