"""From a spec to rows: the compiler, the guard and its allow-lists, and the bounded executor."""
