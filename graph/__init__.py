"""The GraphQL API: schema, ASGI application, and the application around it."""
