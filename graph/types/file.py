"""Area module: defines Query / Mutation / Subscription when it has fields."""
