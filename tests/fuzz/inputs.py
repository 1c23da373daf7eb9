"""What the fuzz tests throw at the server: Hypothesis strategies, and their settings.

    @FUZZ
    @given(body=json_values, headers=header_sets())
    def test_...(body, headers): ...

``FUZZ`` makes every run try the same examples (derandomized, no example
database) and bounds their number, so that a run takes seconds and a failure
shows up again on the next run.
"""

import string

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ = settings(
    max_examples=600,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

DEMO_SHOP = "7495610000000000001"
GB_SHOP = "7495610000000000002"

# Text of every kind: controls, surrogates' neighbours, right-to-left, emoji...
any_text = st.text(max_size=60)
# ...and what HTTP headers can carry (latin-1 bytes, no CR, LF or NUL).
header_values = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=80).map(
    lambda text: text.encode("latin-1"))
header_names = st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=30)
numeric_ids = st.from_regex(r"\A[0-9]{1,40}\Z")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text,
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(any_text, children, max_size=5),
    max_leaves=20,
)


def either(*plausible, anything=json_values):
    """Half the time one of the values the server knows, else anything."""
    return st.one_of(st.sampled_from(plausible), anything)


def mostly(expected: st.SearchStrategy, otherwise: st.SearchStrategy) -> st.SearchStrategy:
    """``expected`` nine times in ten, so that most requests pass the first checks
    and reach the later ones; ``otherwise`` the rest of the time."""
    return st.integers(0, 9).flatmap(lambda n: expected if n else otherwise)


def header_sets(**plausible) -> st.SearchStrategy[dict]:
    """Headers: each of ``plausible`` (name -> strategy) maybe, plus a few arbitrary ones."""
    return st.fixed_dictionaries({}, optional=plausible).flatmap(
        lambda chosen: st.dictionaries(header_names, header_values, max_size=3).map(
            lambda extra: {**extra, **chosen}))
