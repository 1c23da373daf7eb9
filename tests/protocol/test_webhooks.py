"""Webhook signatures and the Event API's signing against open-api.md's known answers."""

from hypothesis import given
from hypothesis import strategies as st

from tiktokshop_protocol import WEBHOOKS_PATH, sign, verify_webhook, webhook_signature

APP_KEY = "6sandboxapp01"
SECRET = "sandboxsecret0123456789abcdef"
DELIVERY = (b'{"type":12,"tts_notification_id":"7327112393057371910","shop_id":"7495610000000000001",'
            b'"timestamp":1767225600,"data":{"order_id":"576461413038785752","return_id":'
            b'"4035318504086851234","return_role":"BUYER","return_type":"REFUND","return_status":'
            b'"RETURN_OR_REFUND_REQUEST_PENDING","create_time":1767225540,"update_time":1767225600}}')
DELIVERY_SIGNATURE = "c99bfb01f0082f19eddfeecb9c75a7a7151e5a79b56144975c8c7444adad220e"


def test_known_answer_delivery_signature():
    assert webhook_signature(APP_KEY, SECRET, DELIVERY) == DELIVERY_SIGNATURE


def test_known_answer_event_api_put():
    query = {"app_key": APP_KEY, "timestamp": "1767225600", "shop_cipher": "SANDBOX_US_CIPHER_0001"}
    body = b'{"address":"https://isv.example/webhooks/tiktok","event_type":"RETURN_STATUS_CHANGE"}'
    assert sign(SECRET, WEBHOOKS_PATH, query, body) == (
        "bc5c6db65527c41ba517fb09c30eddf20cf76177cdec709154a3aa1b0176a9fb")


def test_verify_accepts_the_known_answer_in_either_case_and_refuses_others():
    assert verify_webhook(APP_KEY, SECRET, DELIVERY, DELIVERY_SIGNATURE)
    assert verify_webhook(APP_KEY, SECRET, DELIVERY, DELIVERY_SIGNATURE.upper())
    assert not verify_webhook(APP_KEY, SECRET, DELIVERY, None)
    assert not verify_webhook(APP_KEY, SECRET, DELIVERY, "")
    assert not verify_webhook(APP_KEY, "another secret", DELIVERY, DELIVERY_SIGNATURE)
    assert not verify_webhook("another key", SECRET, DELIVERY, DELIVERY_SIGNATURE)
    # The exact bytes: the same JSON with a space is another body.
    assert not verify_webhook(APP_KEY, SECRET, DELIVERY.replace(b",", b", ", 1), DELIVERY_SIGNATURE)


@given(st.binary(max_size=200), st.integers(min_value=0, max_value=63))
def test_any_changed_byte_or_digit_is_refused(body, position):
    signature = webhook_signature(APP_KEY, SECRET, body)
    assert verify_webhook(APP_KEY, SECRET, body, signature)
    flipped = signature[:position] + ("0" if signature[position] != "0" else "1") \
        + signature[position + 1:]
    assert not verify_webhook(APP_KEY, SECRET, body, flipped)
    assert not verify_webhook(APP_KEY, SECRET, body + b" ", signature)
