"""Chart vision: image validation, the no-key message, mock_response answers and the image reaching the payload."""
from __future__ import annotations

import base64
import io
import time

import pytest
from PIL import Image

import router.llm_router as llm_router_module
from query_engine.llm.vision import (
    MAX_IMAGE_BYTES,
    ImageRejected,
    VisionUnavailable,
    ask_about_chart,
    validate_image,
    vision_prompt,
)
from router import LLMRouter, RouterSettings, TaskType, configure

QUESTION = "Which channel has the highest spend in this chart?"


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=kind)
    return buffer.getvalue()


@pytest.fixture
def router_with(clarify_home):
    def make(keys):
        return configure(RouterSettings(home=clarify_home, keys=keys, num_retries=0))
    yield make
    llm_router_module._current = None


@pytest.mark.parametrize("kind, mime", [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_validate_image_accepts_png_and_jpeg_by_content(kind, mime):
    image = validate_image(image_bytes(kind))
    assert (image.mime, image.width, image.height) == (mime, 64, 48)
    assert image.data_url().startswith(f"data:{mime};base64,")
    assert base64.b64decode(image.data_url().split(",", 1)[1]) == image.data


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"GIF89a" + b"\0" * 100, "not a PNG or JPEG"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a PNG or JPEG"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "damaged"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * (MAX_IMAGE_BYTES + 1), "limit is 5 MB"),
])
def test_validate_image_refuses_with_reason(data, reason):
    with pytest.raises(ImageRejected, match=reason):
        validate_image(data)


def test_validate_image_refuses_tiny_dimensions():
    with pytest.raises(ImageRejected, match="4 x 4 pixels"):
        validate_image(image_bytes(size=(4, 4)))


def test_ask_about_chart_without_a_key_names_the_key(router_with):
    router_with({})
    with pytest.raises(VisionUnavailable) as caught:
        ask_about_chart(validate_image(image_bytes()), QUESTION)
    message = str(caught.value)
    assert "GEMINI_API_KEY or GOOGLE_API_KEY" in message and "gemini/gemini-2.5-pro" in message
    assert "no offline engine" in message


def test_ask_about_chart_mock_response(router_with):
    router_with({"GEMINI_API_KEY": "gem-test-key-5555555555"})
    answer = ask_about_chart(validate_image(image_bytes()), QUESTION, mock_response="Meta has the highest spend.")
    assert answer.text == "Meta has the highest spend."
    assert answer.model == "gemini/gemini-2.5-pro"
    row = LLMRouter.ledger().rows_frame().iloc[-1]
    assert row["task"] == TaskType.VISION_ANALYSIS.value and row["status"] == "ok"


def test_ask_about_chart_image_reaches_the_request_as_an_image_part(router_with):
    import litellm
    from litellm.integrations.custom_logger import CustomLogger
    from litellm.llms.vertex_ai.gemini.transformation import (
        gemini_convert_messages_with_history,
    )

    class Capture(CustomLogger):
        def __init__(self):
            super().__init__()
            self.calls = []

        def log_success_event(self, kwargs, response_obj, start_time, end_time):
            self.calls.append({"model": kwargs.get("model"), "messages": kwargs.get("messages")})

    capture = Capture()
    router_with({"GEMINI_API_KEY": "gem-test-key-5555555555"})
    litellm.callbacks = [*litellm.callbacks, capture]
    try:
        image = validate_image(image_bytes())
        ask_about_chart(image, QUESTION, mock_response="ok")
        deadline = time.monotonic() + 10  # litellm may run success callbacks on a worker thread
        while not capture.calls and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        litellm.callbacks = [c for c in litellm.callbacks if c is not capture]
    (call,) = capture.calls
    assert "gemini-2.5-pro" in call["model"]
    user = call["messages"][-1]
    assert user["role"] == "user" and user["content"] == vision_prompt(image, QUESTION)
    assert user["content"][1] == {"type": "image_url", "image_url": {"url": image.data_url()}}
    # What Gemini would be sent: litellm turns the data URL into an inline image blob with our bytes.
    contents = gemini_convert_messages_with_history(messages=call["messages"][-1:], model="gemini-2.5-pro")
    blobs = [p["inline_data"] for p in contents[0]["parts"] if "inline_data" in p]
    assert blobs and blobs[0]["mime_type"] == "image/png"
    assert base64.b64decode(blobs[0]["data"]) == image.data


def test_ask_about_chart_needs_a_question(router_with):
    router_with({"GEMINI_API_KEY": "gem-test-key-5555555555"})
    with pytest.raises(Exception, match="Ask a question"):
        ask_about_chart(validate_image(image_bytes()), "   ")
