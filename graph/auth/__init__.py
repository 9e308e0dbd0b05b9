"""Who is calling (session tokens) and what they may do."""
