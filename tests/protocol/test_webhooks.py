"""Webhook signatures against open-api.md's known answer, and what they cover."""

from tiktokshop_protocol import WEBHOOK_EVENT_TYPES, verify_webhook, webhook_signature

APP_KEY, SECRET = "6sandboxapp01", "sandboxsecret0123456789abcdef"
# open-api.md's body, one line, as received.
BODY = (b'{"type":12,"tts_notification_id":"7327112393057371910","shop_id":"7495610000000000001",'
        b'"timestamp":1767225600,"data":{"order_id":"576461413038785752","return_id":'
        b'"4035318504086851234","return_role":"BUYER","return_type":"REFUND","return_status":'
        b'"RETURN_OR_REFUND_REQUEST_PENDING","create_time":1767225540,"update_time":1767225600}}')
KNOWN_ANSWER = "c99bfb01f0082f19eddfeecb9c75a7a7151e5a79b56144975c8c7444adad220e"


def test_known_answer():
    assert webhook_signature(APP_KEY, SECRET, BODY) == KNOWN_ANSWER


def test_verify_takes_the_known_answer_and_refuses_anything_else():
    assert verify_webhook(APP_KEY, SECRET, BODY, KNOWN_ANSWER)
    assert verify_webhook(APP_KEY, SECRET, BODY, KNOWN_ANSWER.upper())  # hex is hex
    assert not verify_webhook(APP_KEY, SECRET, BODY, None)
    assert not verify_webhook(APP_KEY, SECRET, BODY, "")
    assert not verify_webhook(APP_KEY, "another secret", BODY, KNOWN_ANSWER)
    assert not verify_webhook("another key", SECRET, BODY, KNOWN_ANSWER)
    # The exact bytes: the same JSON re-serialized with a space is another body.
    assert not verify_webhook(APP_KEY, SECRET, BODY.replace(b'"type":12', b'"type": 12'),
                              KNOWN_ANSWER)
    assert not verify_webhook(APP_KEY, SECRET, BODY, "é" * 64)


def test_event_type_numbers_are_open_apis():
    assert WEBHOOK_EVENT_TYPES["RETURN_STATUS_CHANGE"] == 12
    assert WEBHOOK_EVENT_TYPES["SELLER_DEAUTHORIZATION"] == 6
    assert WEBHOOK_EVENT_TYPES["UPCOMING_AUTHORIZATION_EXPIRATION"] == 7


def test_known_answer_of_the_event_apis_put():
    from tiktokshop_protocol import WEBHOOKS_PATH, sign
    query = {"app_key": APP_KEY, "timestamp": "1767225600",
             "shop_cipher": "SANDBOX_US_CIPHER_0001"}
    body = b'{"address":"https://isv.example/webhooks/tiktok","event_type":"RETURN_STATUS_CHANGE"}'
    assert sign(SECRET, WEBHOOKS_PATH, query, body) == (
        "bc5c6db65527c41ba517fb09c30eddf20cf76177cdec709154a3aa1b0176a9fb")
