"""The return & refund rules the sandbox enforces: statuses, decisions, reject reasons.

    stage = decision_stage("RETURN_AND_REFUND", "RETURN_OR_REFUND_REQUEST_PENDING")
    stage.approve            # "APPROVE_RETURN"
    stage.status_after("APPROVE_RETURN")   # "AWAITING_BUYER_SHIP"
    [r.name for r in stage.reject_reasons]

Names follow TikTok Shop's Return & Refund API (version 202309). A return waits
for the seller at two points: the buyer's request (approve or reject it) and,
for returns that come back by post, the package arriving (accept it or not).
Everything else is the buyer's or the carrier's move, which the sandbox does not
simulate.
"""

from dataclasses import dataclass

REFUND = "REFUND"
RETURN_AND_REFUND = "RETURN_AND_REFUND"
REPLACEMENT = "REPLACEMENT"
RETURN_TYPES = (REFUND, RETURN_AND_REFUND, REPLACEMENT)

REQUEST_PENDING = "RETURN_OR_REFUND_REQUEST_PENDING"
AWAITING_BUYER_SHIP = "AWAITING_BUYER_SHIP"
BUYER_SHIPPED_ITEM = "BUYER_SHIPPED_ITEM"
REQUEST_REJECT = "RETURN_OR_REFUND_REQUEST_REJECT"
REQUEST_SUCCESS = "RETURN_OR_REFUND_REQUEST_SUCCESS"
REQUEST_CANCEL = "RETURN_OR_REFUND_REQUEST_CANCEL"
REQUEST_COMPLETE = "RETURN_OR_REFUND_REQUEST_COMPLETE"
RETURN_STATUSES = (
    REQUEST_PENDING,
    AWAITING_BUYER_SHIP,
    BUYER_SHIPPED_ITEM,
    REQUEST_REJECT,
    REQUEST_SUCCESS,
    REQUEST_CANCEL,
    REQUEST_COMPLETE,
)

APPROVE_DECISIONS = ("APPROVE_REFUND", "APPROVE_RETURN", "APPROVE_RECEIVED_PACKAGE",
                     "APPROVE_REPLACEMENT")
REJECT_DECISIONS = ("REJECT_REFUND", "REJECT_RETURN", "REJECT_RECEIVED_PACKAGE",
                    "REJECT_REPLACEMENT")


@dataclass(frozen=True)
class Shop:
    shop_id: str
    name: str
    region: str  # the oecRegion the widget must be configured with, e.g. "US"
    currency: str
    cipher: str  # the Open API's shop_cipher, stable per shop


@dataclass(frozen=True)
class Seller:
    open_id: str
    name: str
    base_region: str


@dataclass(frozen=True)
class RejectReason:
    name: str
    text: str


# Reasons a seller may give for turning a request down, by what is being decided.
_REQUEST_REASONS = (
    RejectReason("seller_reject_apply_outside_return_window",
                 "The request was made after the return window closed"),
    RejectReason("seller_reject_apply_insufficient_evidence",
                 "The buyer's photos or description do not show the problem"),
    RejectReason("seller_reject_apply_item_as_described",
                 "The item matches the product description"),
    RejectReason("seller_reject_apply_agreed_other_solution",
                 "The buyer and I agreed on another solution"),
)
REFUND_REJECT_REASONS = (
    RejectReason("seller_reject_apply_package_delivered",
                 "Tracking shows the package was delivered to the buyer's address"),
    *_REQUEST_REASONS,
)
RETURN_REJECT_REASONS = (
    RejectReason("seller_reject_apply_item_used_or_damaged_by_buyer",
                 "The item was used or damaged after delivery"),
    RejectReason("seller_reject_apply_non_returnable_item",
                 "This item cannot be returned (hygiene or personalised product)"),
    *_REQUEST_REASONS,
)
REPLACEMENT_REJECT_REASONS = (
    RejectReason("seller_reject_apply_replacement_out_of_stock",
                 "No replacement is in stock; a refund is offered instead"),
    *RETURN_REJECT_REASONS,
)
RECEIVED_PACKAGE_REJECT_REASONS = (
    RejectReason("seller_reject_receive_product_not_returned",
                 "The package arrived empty or without the item"),
    RejectReason("seller_reject_receive_wrong_item_returned",
                 "A different item was sent back"),
    RejectReason("seller_reject_receive_item_damaged_by_buyer",
                 "The returned item is used or damaged"),
    RejectReason("seller_reject_receive_missing_parts",
                 "The returned item is missing parts or accessories"),
)


@dataclass(frozen=True)
class DecisionStage:
    """What the seller may decide on a return of one type in one status."""

    next_action: str  # seller_next_action_response[].action while this stage waits
    approve: str
    reject: str
    approved_status: str
    reject_reasons: tuple[RejectReason, ...]

    def status_after(self, decision: str) -> str:
        return self.approved_status if decision == self.approve else REQUEST_REJECT

    def reject_reason(self, name: str) -> RejectReason | None:
        return next((r for r in self.reject_reasons if r.name == name), None)


_RECEIVED_PACKAGE = DecisionStage(
    "SELLER_RESPOND_RECEIVED_PACKAGE", "APPROVE_RECEIVED_PACKAGE", "REJECT_RECEIVED_PACKAGE",
    REQUEST_SUCCESS, RECEIVED_PACKAGE_REJECT_REASONS,
)
DECISION_STAGES = {
    (REFUND, REQUEST_PENDING): DecisionStage(
        "SELLER_RESPOND_REFUND", "APPROVE_REFUND", "REJECT_REFUND",
        REQUEST_SUCCESS, REFUND_REJECT_REASONS,
    ),
    (RETURN_AND_REFUND, REQUEST_PENDING): DecisionStage(
        "SELLER_RESPOND_RETURN", "APPROVE_RETURN", "REJECT_RETURN",
        AWAITING_BUYER_SHIP, RETURN_REJECT_REASONS,
    ),
    (REPLACEMENT, REQUEST_PENDING): DecisionStage(
        "SELLER_RESPOND_REPLACEMENT", "APPROVE_REPLACEMENT", "REJECT_REPLACEMENT",
        AWAITING_BUYER_SHIP, REPLACEMENT_REJECT_REASONS,
    ),
    (RETURN_AND_REFUND, BUYER_SHIPPED_ITEM): _RECEIVED_PACKAGE,
    (REPLACEMENT, BUYER_SHIPPED_ITEM): _RECEIVED_PACKAGE,
}


def decision_stage(return_type: str, return_status: str) -> DecisionStage | None:
    """The decision the seller owes on such a return, or None if it is not theirs to make."""
    return DECISION_STAGES.get((return_type, return_status))


def decisions_for_type(return_type: str) -> set[str]:
    """Every decision that applies to a return of this type at some stage."""
    return {
        decision
        for (stage_type, _), stage in DECISION_STAGES.items()
        if stage_type == return_type
        for decision in (stage.approve, stage.reject)
    }

_ALL_REJECT_REASONS = {
    reason.name: reason
    for reasons in (REFUND_REJECT_REASONS, REPLACEMENT_REJECT_REASONS,
                    RECEIVED_PACKAGE_REJECT_REASONS)
    for reason in reasons
}


def reject_reason_text(name: str) -> str:
    """The readable text of any reject reason name (the name itself if unknown)."""
    reason = _ALL_REJECT_REASONS.get(name)
    return reason.text if reason else name
