"""The app's staff side in the Wagtail admin (wagtail-modeladmin), registered in
``registrations/wagtail_hooks.py``.

- ``base``: who may do what, the read-only ModelAdmin, the URL names the modules share;
- ``lists``: the registration list and the e-mail log, their filters and inspect views;
- ``display``: how a registration's state and dates read in those lists;
- ``actions``: approve, reject, send the invitation again, cancel, resend a failed e-mail;
- ``exports``: the registration list as CSV or XLSX;
- ``members``: member organisations, allowed addresses, the CSV import;
- ``attendance``: a webinar's attendance, matches to confirm, follow-ups;
- ``console``: one screen per webinar, and the dashboard's panel of upcoming webinars;
- ``messages``: «Scrivi agli iscritti», staff's messages to a webinar's registrants.

Nothing is imported here: Django's admin autodiscovery imports this package at start-up.
"""
