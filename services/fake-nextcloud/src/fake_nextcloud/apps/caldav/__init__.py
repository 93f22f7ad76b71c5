"""CalDAV and CardDAV (apps/dav ``calendars``, ``addressbooks``, ``principals``): Radicale behind Nextcloud's URL
layout, with the Sabre/Nextcloud behaviour it lacks added around it (see ``routes`` and ``apps/COVERAGE.md``)."""
