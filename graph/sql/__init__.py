"""Declarations (what each GraphQL type is in SQL) and the pure functions that build SQL from them."""
