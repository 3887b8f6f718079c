//! Tables of the world service.
