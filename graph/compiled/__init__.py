"""The compiled read path: a validated read operation answered by ONE SQL statement.

`selection.py` turns a document into a tree of fields with coerced arguments; `sqlgen.py` turns
that tree into a statement that builds the whole `data` object in PostgreSQL from the types'
declarations (graph/sql); `runner.py` decides per request whether the compiled path can answer
and falls back to the resolver path otherwise, so both always give the same response.
"""
