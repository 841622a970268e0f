"""What Clarify keeps between sessions: question history and learned preferences."""
