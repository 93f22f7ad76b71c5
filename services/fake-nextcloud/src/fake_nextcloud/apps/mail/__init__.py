"""The Mail app (nextcloud/mail v5.11.2): accounts, mailboxes and messages as its database cache holds them."""
