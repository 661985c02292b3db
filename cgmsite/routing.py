"""Wagtail's page serving with routing that remembers where each path led.

Wagtail finds a page by walking the tree: one query for the site, then, for each level of
the path, one for the child and one for its specific row. For an article that is seven
queries and most of an uncached request's CPU (profiled: 63 %). ``serve`` keeps Wagtail's
view and its answer, and remembers, per worker, the page each path was routed to; the next
request for that path loads the page in one query and lets it finish the route itself
(``Page.route`` checks that it is live; a routable page resolves its own sub-path).

Never wrong, without invalidation: a remembered route is used only if the page still has
the address the path asks for (its ``url_path``), so a page moved, renamed or deleted
falls back to Wagtail's walk. Unpublished pages still answer 404 (``route`` checks
``live``); privacy, hooks and the page's own ``serve`` run as before. Only routes that
found a page are remembered, so unknown paths cannot fill the memory. The site lookup is
remembered per host under the site version (``cgmsite.page_cache.site_version``), which
any change to a site or to the home page renews in every process.
"""

from collections import OrderedDict

from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.http.request import split_domain_port

from wagtail import views as wagtail_views
from wagtail.models import Page, Site

from cgmsite.page_cache import site_version

MAX_ROUTES = 20_000
MAX_SITES = 64


class Memory:
    """What this worker learnt under one site version; forgotten when it changes."""

    def __init__(self):
        self.version = None
        self.sites = {}
        self.routes = OrderedDict()

    def current(self, version: str) -> "Memory":
        if version != self.version:
            self.version, self.sites, self.routes = version, {}, OrderedDict()
        return self

    def remember_route(self, key, value) -> None:
        self.routes[key] = value
        self.routes.move_to_end(key)
        if len(self.routes) > MAX_ROUTES:
            self.routes.popitem(last=False)


memory = Memory()


def serve(request, path):
    known = memory.current(site_version())
    site = find_site(request, known)
    if site is not None:
        route(request, site, path, known)
    return wagtail_views.serve(request, path)


def find_site(request, known: Memory) -> Site | None:
    host = (split_domain_port(request._get_raw_host())[0], request.get_port())
    site = known.sites.get(host)
    if site is None:
        site = Site.find_for_request(request)
        if site is not None and len(known.sites) < MAX_SITES:
            known.sites[host] = site
    request._wagtail_site = site
    return site


def route(request, site: Site, path: str, known: Memory) -> None:
    """Set Wagtail's per-request route (``_wagtail_route_for_request``), from memory
    when the remembered page still lives at this address, else by Wagtail's walk."""
    components = [component for component in path.split("/") if component]
    key = (site.pk, tuple(components))
    root_path = site.root_page.url_path
    remembered = known.routes.get(key)
    if remembered is not None:
        page_id, content_type_id, depth = remembered
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        page = model.objects.filter(pk=page_id).first() if model else None
        if page is not None and page.url_path == address(root_path, components[:depth]):
            try:
                request._wagtail_route_for_request = page.route(request, components[depth:])
            except Http404:
                request._wagtail_route_for_request = None
            return
        known.routes.pop(key, None)
    result = Page.route_for_request(request, path)
    if result is not None:
        page = result[0]
        depth = page.url_path.count("/") - root_path.count("/")
        if depth >= 0 and page.url_path == address(root_path, components[:depth]):
            known.remember_route(key, (page.pk, page.content_type_id, depth))


def address(root_path: str, components: list[str]) -> str:
    return root_path + "".join(f"{component}/" for component in components)
