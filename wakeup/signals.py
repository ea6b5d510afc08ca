"""What happened to wake-up calls, for whoever listens (e.g. outgoing partner webhooks).

Sent by the services inside the transaction of the change, so a receiver that writes rows commits or
rolls back with the change itself. The wake-up app imports no listener."""

from django.dispatch import Signal

# sender: the WakeupCall model; kwargs: wakeup, from_status, to_status
wakeup_status_changed = Signal()

# An alert nobody acknowledged in time went to the manager. sender: WakeupCall; kwargs: wakeup, alert
wakeup_alert_to_manager = Signal()
