"""Google Vertex AI (channel type 42): service-account OAuth, Gemini and Claude publishers."""
