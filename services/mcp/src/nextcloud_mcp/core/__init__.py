"""What every app's client shares: the HTTP client to Nextcloud and its guards."""
