from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cgmsite import admin_access, routing, sitemaps, views
from events import views as events_views
from registrations import tracking as registrations_tracking
from registrations import views as registrations_views

urlpatterns = [
    path("django-admin/", admin.site.urls),
    # Wagtail's password reset form, limited per client and per address (before Wagtail's).
    path("admin/password_reset/", admin_access.PasswordResetView.as_view()),
    path("admin/", include(wagtailadmin_urls)),
    path("documenti/", include(wagtaildocs_urls)),
    path("cerca/", views.search, name="search"),
    path("iscrizioni/", include("registrations.urls")),
    # Delivery status webhook of the configured e-mail provider only, behind
    # ANYMAIL_WEBHOOK_SECRET (basic auth); every other provider's address is a 404.
    path(
        "anymail/<str:esp>/tracking/",
        registrations_tracking.tracking_webhook,
        name="anymail_tracking",
    ),
    # The personal join link: in front of the page tree, which owns "/webinar/…".
    path("webinar/entra/<str:token>/", registrations_views.join, name="join"),
    # Certificates of attendance: anyone may check a code; the PDF behind a personal link.
    path(
        "attestati/verifica/<str:code>/",
        registrations_views.certificate_verify,
        name="certificate_verify",
    ),
    path(
        "attestati/<str:token>/",
        registrations_views.certificate_download,
        name="certificate_download",
    ),
    # A sitemap index and its pages of at most SITEMAP_PAGE_SIZE addresses (cgmsite/sitemaps.py).
    path("sitemap.xml", sitemaps.index, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.section, name="sitemap_section"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    # Calendar files: Wagtail serves pages only on paths ending in "/", so these
    # ".ics" addresses are plain Django views in front of the page tree.
    path("webinar/calendario.ics", events_views.webinars_ics, name="webinars_ics"),
    path("webinar/<slug:slug>/calendario.ics", events_views.webinar_ics, name="webinar_ics"),
    path(
        "notizie/categoria/<slug:slug>/calendario.ics",
        events_views.category_ics,
        name="category_ics",
    ),
]

# Error pages that never read the request's form (cgmsite/error_views.py).
handler400 = "cgmsite.error_views.bad_request"
handler403 = "cgmsite.error_views.permission_denied"
handler404 = "cgmsite.error_views.page_not_found"
handler500 = "cgmsite.error_views.server_error"

if settings.DEBUG or settings.SERVE_MEDIA:
    from django.views.static import serve

    media = {"document_root": settings.MEDIA_ROOT}
    urlpatterns += [re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.+)$", serve, media)]

# Pages: Wagtail's serve view, with routes remembered (cgmsite.routing); Wagtail's own
# patterns after it (its password and login helpers; its serve, same address, unreached).
urlpatterns += [
    re_path(wagtail_urls.serve_pattern, routing.serve, name="wagtail_serve"),
    path("", include(wagtail_urls)),
]
