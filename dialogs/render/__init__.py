"""What messages look like: texts, labels, pictures and files, in the reader's language."""
