//! Tables of the payment service.
