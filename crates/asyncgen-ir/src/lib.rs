//! The version-independent model of an AsyncAPI document that every generator reads.
//!
//! [`lower`] turns a validated [`asyncgen_spec::Loaded`] document into an [`Api`]: servers,
//! channels, operations (with one direction model for 2.x and 3.x), messages with traits
//! applied, security schemes, and a [`SchemaStore`] of resolved JSON Schemas with origins.

mod lower;
pub mod model;
mod origin;
pub mod schema;

pub use lower::{LowerError, lower};
pub use model::*;
pub use schema::{SchemaEntry, SchemaRef, SchemaStore};
pub mod inspect;
pub mod socket;
pub mod subscription;
pub mod types;
pub mod views;
pub mod webhook;
