"""Tests of the fake Nextcloud (``services/fake-nextcloud``)."""
