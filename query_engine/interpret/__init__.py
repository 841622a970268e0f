"""From a question to ranked readings: question text, vocabulary, dates, the parser and refusals."""
