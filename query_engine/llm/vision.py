"""Ask about a chart screenshot: validate the image, then send it with the question along the vision route.

There is no offline core: reading an image needs a multimodal model, and without its key Clarify says which key.
"""
from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import Any

from query_engine.errors import ClarifyError, ImageRejected, VisionUnavailable
from router import LLMRouter, RouterError, TaskType

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_SIDE_PX = 8000
MIN_SIDE_PX = 16
MAX_QUESTION_CHARS = 2000
_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))
SYSTEM = ("You read charts and dashboard screenshots for a marketing analyst. Answer the question from what the "
          "image shows; quote the numbers you can read, say when a value is an estimate from the axis, and say "
          "plainly when the image does not show something.")






@dataclass(frozen=True)
class ChartImage:
    """A checked image: its bytes, MIME type and pixel size."""

    data: bytes
    mime: str
    width: int
    height: int

    def data_url(self) -> str:
        """The image as a base64 data URL, the form chat APIs take for inline images."""
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


@dataclass(frozen=True)
class VisionAnswer:
    """The model's reading of the image, who wrote it and what it cost."""

    text: str
    model: str
    cost_usd: float = 0.0


def validate_image(data: bytes, max_bytes: int = MAX_IMAGE_BYTES) -> ChartImage:
    """Accept a PNG or JPEG (by its first bytes, not its name) within the size and pixel limits."""
    if not data:
        raise ImageRejected("The file is empty.", hint="Upload a PNG or JPEG screenshot.")
    if len(data) > max_bytes:
        raise ImageRejected(f"The image is {len(data) / 1024 / 1024:.1f} MB; the limit is "
                            f"{max_bytes / 1024 / 1024:.0f} MB.", hint="Crop the screenshot or save it as JPEG.")
    mime = next((m for signature, m in _SIGNATURES if data.startswith(signature)), None)
    if mime is None:
        raise ImageRejected("The file is not a PNG or JPEG image.",
                            hint="Take a screenshot and upload it as PNG or JPEG.")
    width, height = _dimensions(data)
    if not (MIN_SIDE_PX <= width <= MAX_SIDE_PX and MIN_SIDE_PX <= height <= MAX_SIDE_PX):
        raise ImageRejected(f"The image is {width} x {height} pixels; each side must be {MIN_SIDE_PX} to "
                            f"{MAX_SIDE_PX}.", hint="Upload a screenshot of the chart itself.")
    return ChartImage(data, mime, width, height)


def _dimensions(data: bytes) -> tuple[int, int]:
    from PIL import Image, UnidentifiedImageError  # Pillow comes with streamlit

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()  # reads the structure without decoding pixels: cheap, and catches truncated files
            return int(image.width), int(image.height)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected("The image file is damaged or incomplete.", hint="Save the screenshot again.") from exc


def vision_prompt(image: ChartImage, question: str) -> list[dict[str, Any]]:
    """The user message's content parts: the question as text, then the image as an image part."""
    return [{"type": "text", "text": question.strip()[:MAX_QUESTION_CHARS]},
            {"type": "image_url", "image_url": {"url": image.data_url()}}]


def vision_key_hint() -> str:
    """The sentence that says which key enables chart reading (the vision route's own model first)."""
    status = next(s for s in LLMRouter.active_routes() if s.task == TaskType.VISION_ANALYSIS.value)
    others = [m for m in status.fallbacks if m != "offline"]
    also = f" Its fallbacks ({', '.join(others)}) work with their own keys too." if others else ""
    key = status.key_name or "no key (a local model)"
    return (f"Reading charts needs a multimodal model. Set {key} in .streamlit/secrets.toml or the environment to "
            f"enable it with {status.model}.{also} There is no offline engine for images.")


def ask_about_chart(image: ChartImage, question: str, *, question_id: str | None = None,
                    **litellm_kwargs: Any) -> VisionAnswer:
    """The vision model's answer about the image; VisionUnavailable without a key, ClarifyError when it fails."""
    if not question.strip():
        raise ClarifyError("Ask a question about the image.", hint="e.g. 'Which channel grew fastest?'")
    if not LLMRouter.is_available(TaskType.VISION_ANALYSIS):
        raise VisionUnavailable(vision_key_hint())
    try:
        reply = LLMRouter.call_llm_detailed(TaskType.VISION_ANALYSIS, vision_prompt(image, question), SYSTEM,
                                            question_id, **litellm_kwargs)
    except RouterError as exc:
        raise ClarifyError(f"The vision model could not answer: {exc}",
                           hint="Try again in a minute, or check the key.") from None
    return VisionAnswer(reply.text, reply.model, reply.cost_usd)
