"""What replies read like: texts and keyboards built from data; nothing here sends."""
