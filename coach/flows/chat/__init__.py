"""The chat entry point: a message is routed to the flow that serves it."""
