"""How many return requests wait for the seller's answer, and when the first is due.

    summary = await returns_summary(backend, "7495610000000000001")
    summary.awaiting            # 3 requests wait for the seller
    summary.due_within_24h      # 1 of them is due within a day
    summary.next_deadline       # 1767225600 (unix seconds), or None when nothing waits
    summary = await returns_summary(backend, shop_id, fresh=True)   # right after a decision

The widget is a closed box: this is what the app can tell the seller outside
it (a badge, the page title, a notification), so that no request goes
unanswered. The backend (``tiktokshop_backend``) searches TikTok's Return API
for the shop and answers from a short cache; ``fresh`` asks it to search
again, for a summary taken right after the seller decided something.
"""

from .backend import RETURNS_SUMMARY_PATH, SERVICE
from .errors import BackendError


class ReturnsSummary:
    """The return requests waiting for the seller's answer in one shop.

    - ``awaiting``: how many requests wait for the seller (a count, 0 or more);
    - ``due_within_24h``: how many of them are due within 24 hours (a count);
    - ``next_deadline``: when the first of them is due, in unix seconds (UTC), or
      None when nothing waits;
    - ``next_deadline_return_id``: the ``return_id`` due first, or None;
    - ``checked_at``: when the backend asked TikTok, in unix seconds (the backend
      caches a summary for 60 s per shop);
    - ``newest_request_at``: when the latest waiting request was created, in unix
      seconds, or None.
    """

    def __init__(self, awaiting, due_within_24h, next_deadline, checked_at,
                 newest_request_at=None, next_deadline_return_id=None):
        self.awaiting = awaiting
        self.due_within_24h = due_within_24h
        self.next_deadline = next_deadline      # unix seconds of the first deadline
        self.checked_at = checked_at            # unix seconds: when TikTok was asked
        self.newest_request_at = newest_request_at  # the latest waiting request's creation
        self.next_deadline_return_id = next_deadline_return_id

    def __eq__(self, other):
        return isinstance(other, ReturnsSummary) and self.__dict__ == other.__dict__

    def __repr__(self):
        return ("ReturnsSummary(awaiting=" + str(self.awaiting) + ", due_within_24h="
                + str(self.due_within_24h) + ", next_deadline=" + str(self.next_deadline) + ")")


async def returns_summary(backend, shop_id, fresh=False):
    """The shop's ``ReturnsSummary``; ``BackendError`` when the backend cannot give one."""
    query = [("outer_shop_id", shop_id)]
    if fresh:
        query.append(("fresh", "1"))
    reply = await backend.get(RETURNS_SUMMARY_PATH, query)
    return summary_of(reply.get("data"))


def summary_of(data):
    """A ``ReturnsSummary`` out of the reply's ``data``, checked."""
    def count(name):
        value = data.get(name)
        if not _is_int(value) or value < 0:
            refuse("has no count " + name)
        return value

    def time_or_none(name):
        value = data.get(name)
        if value is not None and not _is_int(value):
            refuse("has a " + name + " that is not a time")
        return value

    if not isinstance(data, dict):
        refuse("is missing")
    return_id = data.get("next_deadline_return_id")
    return ReturnsSummary(count("awaiting"), count("due_within_24h"),
                          time_or_none("next_deadline"), time_or_none("checked_at"),
                          time_or_none("newest_request_at"),
                          return_id if isinstance(return_id, str) else None)


def refuse(what):
    raise BackendError("field", SERVICE + "'s summary of return requests " + what + ".")


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)
