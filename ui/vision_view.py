"""Chart vision: upload a chart or dashboard screenshot and ask about it; without a multimodal key, say which key."""
from __future__ import annotations

import streamlit as st

from query_engine.llm.vision import (
    MAX_IMAGE_BYTES,
    ImageRejected,
    VisionUnavailable,
    ask_about_chart,
    validate_image,
    vision_key_hint,
)
from query_engine.spec.safe_text import escape_markdown
from router import LLMRouter, TaskType
from ui.error_messages import friendly_errors
from ui.router_setup import setup_router

PREFIX = "vision."


def render_vision_page() -> None:
    """The Chart vision page: its title, then the router (keys) and the view, with errors explained."""
    st.title("Chart vision")
    with friendly_errors("reading the image"):
        setup_router()
        render_vision()


def render_vision() -> None:
    """The key notice (when missing), the uploader, the question and the model's answer."""
    available = LLMRouter.is_available(TaskType.VISION_ANALYSIS)
    if not available:
        st.info(vision_key_hint(), icon=":material/key:")
    upload = st.file_uploader(f"Screenshot (PNG or JPEG, up to {MAX_IMAGE_BYTES // 1024 // 1024} MB)",
                              type=["png", "jpg", "jpeg"], key=PREFIX + "upload")
    question = st.text_input("Question about the image", placeholder="Which channel grew fastest?",
                             key=PREFIX + "question")
    if upload is None:
        return
    try:
        image = validate_image(upload.getvalue())
    except ImageRejected as exc:
        st.error(escape_markdown(exc), icon=":material/block:")
        return
    st.image(image.data, caption=f"{image.width} x {image.height} px", width=480)
    if st.button("Ask about the image", type="primary", key=PREFIX + "ask", disabled=not available):
        with friendly_errors("reading the image"):
            try:
                answer = ask_about_chart(image, question)
            except VisionUnavailable as exc:
                st.info(escape_markdown(exc))
                return
            st.markdown(escape_markdown(answer.text, multiline=True))
            st.caption(escape_markdown(f"Answered by {answer.model} · ${answer.cost_usd:.4f}"))
