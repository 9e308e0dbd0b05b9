"""GraphQL types, one module per area; each area exposes its own Query/Mutation/Subscription."""
