"""The typed values every stage passes on: query specs, readings, results, formats and calendar arithmetic."""
