//! The content service (being built).
