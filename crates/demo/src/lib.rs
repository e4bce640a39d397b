//! gaoxin-demo (skeleton; filled in by its issue).
