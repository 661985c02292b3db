"""Wagtail's view restrictions without two queries on every page served.

Before serving a page Wagtail reads its ancestors (to resolve aliases) and the
restrictions on them: two queries on every request, a sixth of an uncached article's time
(docs/benchmarks.md). A site has few private pages, so each worker reads the paths of all
of them once per site version (``cgmsite.page_cache.site_version``), which adding,
changing or removing a restriction renews (``cgmsite.cache_map``), as does a new alias. A
page with no private page on its path is then known to have none, without a query; any
other page, and every page while the site has aliases, asks Wagtail as before.
"""

from wagtail.models import Page, PageViewRestriction

from cgmsite.page_cache import site_version


class Known:
    """The private pages' tree paths, and whether any alias exists, under one version."""

    version = None
    private_paths: tuple[str, ...] = ()
    aliases = False

    def current(self) -> "Known":
        version = site_version()
        if version != self.version:
            self.private_paths = tuple(
                PageViewRestriction.objects.values_list("page__path", flat=True).distinct()
            )
            self.aliases = Page.objects.filter(alias_of__isnull=False).exists()
            self.version = version
        return self


known = Known()


class ViewRestrictionsMixin:
    """For every page model of the site (before ``Page`` in its bases)."""

    def get_view_restrictions(self):
        current = known.current()
        if self.alias_of_id or current.aliases or self.path.startswith(current.private_paths):
            return super().get_view_restrictions()
        return PageViewRestriction.objects.none()
