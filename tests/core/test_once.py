"""core/once.py: a form token is claimed once; a repeat goes to the first result."""

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.cache import SessionStore
from django.core.cache import cache
from django.test import RequestFactory

from ipcity.core import once


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


def post(token, session=None):
    request = RequestFactory().post("/", {once.FIELD: token} if token else {})
    request.session = session or SessionStore()
    if request.session.session_key is None:
        request.session.create()
    request._messages = FallbackStorage(request)
    return request


def test_the_first_claim_wins_and_a_repeat_goes_to_its_result():
    token = once.new_token()
    first = post(token)
    assert once.claim(first)
    once.done(first, "/protection/leads/7/")
    repeat = post(token, session=first.session)
    assert not once.claim(repeat)
    response = once.repeat_response(repeat, fallback="/protection/leads/")
    assert response.status_code == 302 and response.url == "/protection/leads/7/"


def test_a_repeat_while_the_first_is_still_running_goes_to_the_fallback():
    token = once.new_token()
    first = post(token)
    assert once.claim(first)
    repeat = post(token, session=first.session)
    assert not once.claim(repeat)
    assert once.repeat_response(repeat, fallback="/list/").url == "/list/"


def test_a_released_token_may_be_sent_again():
    token = once.new_token()
    first = post(token)
    assert once.claim(first)
    once.release(first)
    assert once.claim(post(token, session=first.session))


def test_tokens_are_per_session_and_forms_without_one_pass():
    token = once.new_token()
    assert once.claim(post(token))
    assert once.claim(post(token))  # another session: another key
    assert once.claim(post(None)) and once.claim(post(None))
