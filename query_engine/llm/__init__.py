"""The model-backed stages: access to the router, prompts, model readings, SQL, insights and checks."""
