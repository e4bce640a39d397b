//! gaoxin-rules (skeleton; filled in by its issue).
