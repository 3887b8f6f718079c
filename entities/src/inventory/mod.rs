//! Tables of the inventory service.
