//! gaoxin-store (skeleton; filled in by its issue).
