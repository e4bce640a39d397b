//! gaoxin-index (skeleton; filled in by its issue).
