"""The portal's pages and APIs by area, each module with the handlers of its paths and a
``routes()`` listing them; :mod:`portal.app` assembles them into the application.

- ``auth``: signing in and out, signing up, the language, the health check;
- ``apply``: the application form, drafts, the live checks, a case's correction;
- ``cases``: an entrepreneur's cases, a case's page and live feed, withdrawal, the bundle;
- ``seals``: a company's seals, authorised users and sealing a PDF;
- ``desks``: the staff desks' queues and tasks;
- ``admin``: the administrator's statistics.
"""
