//! gaoxin-web (skeleton; filled in by its issue).
