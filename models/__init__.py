"""Tortoise models: plain data definitions. They read no settings and import nothing from graph."""

MODEL_MODULES = ["models.auth", "models.todo", "models.file"]
