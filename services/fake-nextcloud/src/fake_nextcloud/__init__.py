"""A faithful fake of the Nextcloud HTTP APIs."""
