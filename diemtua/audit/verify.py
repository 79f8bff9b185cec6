"""Checking the hash chain of the audit trail."""

from dataclasses import dataclass

from .models import GENESIS_HASH, AuditChainHead, AuditEvent


@dataclass
class ChainReport:
    ok: bool
    checked: int
    broken_seq: int | None = None
    broken_id: int | None = None
    problem: str = ""


def verify_chain(batch_size: int = 5000) -> ChainReport:
    """Walk the chain in order; stop at the first row that was altered, removed or misplaced."""
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=batch_size):
        if event.seq != expected_seq:
            return ChainReport(
                False,
                checked,
                event.seq,
                event.pk,
                f"expected position {expected_seq}, found {event.seq} (a row was removed)",
            )
        if event.prev_hash != prev_hash:
            return ChainReport(
                False,
                checked,
                event.seq,
                event.pk,
                "previous-hash link broken (a row was removed or inserted out of order)",
            )
        if event.compute_hash() != event.hash:
            return ChainReport(
                False, checked, event.seq, event.pk, "content does not match its hash (altered)"
            )
        prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None and checked:
        return ChainReport(False, checked, None, None, "the chain head row is missing")
    if head is not None and (head.seq, head.hash) != (checked, prev_hash):
        return ChainReport(
            False,
            checked,
            head.seq,
            None,
            f"the chain ends at {checked} but its head says {head.seq} (newest rows removed)",
        )
    return ChainReport(True, checked)
