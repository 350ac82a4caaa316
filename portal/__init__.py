"""The web portal: the entrepreneur's one form and case pages, the staff desks, the admin
dashboard. An ASGI app (Starlette) that talks gRPC to the orchestrator and the services."""
