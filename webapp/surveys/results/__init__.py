"""Survey results: figures with small-cell suppression, exports, and indicators from answers."""
