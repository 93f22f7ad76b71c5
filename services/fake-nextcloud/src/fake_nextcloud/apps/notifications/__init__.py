"""The notifications app (nextcloud/notifications v34.0.2): the notifications table, the notifiers that render
it, the OCS endpoints and the listeners that create notifications from other apps' events."""
