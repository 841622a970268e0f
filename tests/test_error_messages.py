"""Errors become analyst messages in one place (ui/error_messages.py)."""

def test_ui_error_message_shows_a_router_error_as_written():
    from router import RouteConfigError
    from ui.error_messages import message_for

    message = message_for(RouteConfigError("routes.yaml line 3 is not a mapping. Fix it and restart."), "starting")
    assert message == "routes.yaml line 3 is not a mapping. Fix it and restart."
