"""Signals the org tree sends; other apps listen without orgs importing them."""

from django.dispatch import Signal

# Sent (inside the transaction) after the closure table changed: a unit moved under another
# parent, or the table was rebuilt. Anything that cached sums over subtrees must drop them
# (reporting.subtree).
tree_changed = Signal()
