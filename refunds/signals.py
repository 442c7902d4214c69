"""What the lifecycle announces to the apps above it.

Both signals are sent inside the transaction that made the change, so a
receiver's writes (an earmark, an assignment, an assessment) commit or roll
back with it. Receivers that start outside work queue it with
transaction.on_commit.
"""

from django.dispatch import Signal

# Sent after a transition: refund, name, actor, state_before.
refund_transitioned = Signal()

# Sent after a change that should be screened again: refund, actor, change
# (one of "amount", "payee", "document").
refund_changed = Signal()
