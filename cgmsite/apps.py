from django.apps import AppConfig


class CgmsiteConfig(AppConfig):
    name = "cgmsite"
    verbose_name = "CGM"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from cgmsite import cache_map

        # A registration's change can change what its webinar's page shows (seats
        # left, "posti esauriti"): the page cache is told after it commits.
        for signal in (post_save, post_delete):
            signal.connect(
                lambda sender, instance, update_fields=None, **kwargs: (
                    cache_map.registration_changed(instance, update_fields)
                ),
                sender="registrations.Registration",
                weak=False,
                dispatch_uid=f"cgmsite.cache_map.registration.{signal is post_save}",
            )
