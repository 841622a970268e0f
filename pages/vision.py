"""Chart vision: ask about a screenshot of a chart or dashboard (needs a multimodal model's key)."""
from ui.vision_view import render_vision_page

render_vision_page()
