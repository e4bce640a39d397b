//! gaoxin-model (skeleton; filled in by its issue).
