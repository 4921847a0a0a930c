"""The critical-path reader (reader.py) and the checklist classifier (classifier.py)."""
