"""Where the stand-in says a recording is: Exotel's `exotelrecordings` bucket (the default), the
`exorecordings` bucket of the Call API's documented example, a URL elsewhere, or an address
whose file is gone (404)."""

from __future__ import annotations

import requests

from exotel_standin import StandIn


def _recording_url(standin: StandIn, voice: requests.Session, sid: str) -> str:
    call = voice.get(f"{standin.url}/v1/Accounts/ACtest/Calls/{sid}.json").json()["Call"]
    return call["RecordingUrl"]


def test_a_recording_in_the_exorecordings_bucket_is_served(
    standin: StandIn, voice: requests.Session
) -> None:
    standin.add_call(sid="c_exo", recording_at="exorecordings")

    url = _recording_url(standin, voice, "c_exo")

    assert url == f"{standin.url}/exorecordings/ACtest/c_exo.wav"
    served = voice.get(url)
    assert served.status_code == 200
    assert served.content[:4] == b"RIFF"
    assert requests.get(url).status_code == 403  # private, like the other bucket


def test_a_recording_elsewhere_is_named_as_given(standin: StandIn, voice: requests.Session) -> None:
    elsewhere = "https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/ACtest/c_far.mp3"
    standin.add_call(sid="c_far", recording_at=elsewhere)

    assert _recording_url(standin, voice, "c_far") == elsewhere


def test_a_lost_recording_is_named_but_answers_404(
    standin: StandIn, voice: requests.Session
) -> None:
    standin.add_call(sid="c_lost", recording_lost=True)

    url = _recording_url(standin, voice, "c_lost")

    assert url == f"{standin.url}/exotelrecordings/ACtest/c_lost.wav"
    missing = voice.get(url)
    assert missing.status_code == 404
    assert b"NoSuchKey" in missing.content


def test_simulated_calls_keep_the_default_bucket(standin: StandIn, voice: requests.Session) -> None:
    standin.add_allocation(greenpin_id="gp_1")
    sid = standin.simulate_call("gp_1", webhook_url=None)

    assert _recording_url(standin, voice, sid).endswith(f"/exotelrecordings/ACtest/{sid}.wav")
