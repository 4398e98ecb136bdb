//! The redb tables of the queue store and the conversions between their rows and the queue's
//! types. Rows are redb tuples, so redb checks their types when a table is opened and no
//! serialization format of our own has to be kept compatible.

use std::time::{Duration, SystemTime};

use redb::TableDefinition;

/// Bumped when a table's layout changes; a store of another version is refused, not misread.
pub(super) const SCHEMA_VERSION: u64 = 1;

/// An [`EVENTS`] row: (route, payload, received ms, failed attempts, due ms, dedupe key, last
/// error).
pub(super) type EventValue<'a> = (
    &'a str,
    &'a [u8],
    u64,
    u32,
    u64,
    Option<&'a str>,
    Option<&'a str>,
);

/// A [`DEAD`] row: (route, payload, received ms, attempts, error, dead ms, dedupe key).
pub(super) type DeadValue<'a> = (&'a str, &'a [u8], u64, u32, &'a str, u64, Option<&'a str>);

/// Queued events by id. An event stays here from enqueue until ack or dead-lettering.
pub(super) const EVENTS: TableDefinition<u64, EventValue<'static>> = TableDefinition::new("events");

/// (due ms, id) for every queued event, so a lease finds due events in order without scanning
/// those waiting for a retry.
pub(super) const READY: TableDefinition<(u64, u64), ()> = TableDefinition::new("ready");

/// Dead letters by id.
pub(super) const DEAD: TableDefinition<u64, DeadValue<'static>> =
    TableDefinition::new("dead_letters");

/// The headers stored with an event (JSON of [`EventHeaders`]), by event id; only events that
/// have any. Kept from enqueue through retries, dead letter and replay until the ack, apart
/// from the event rows so that stores written before headers were kept read unchanged.
///
/// [`EventHeaders`]: crate::receiver::EventHeaders
pub(super) const HEADERS: TableDefinition<u64, &[u8]> = TableDefinition::new("headers");

/// Dedupe key → expiry ms.
pub(super) const DEDUPE: TableDefinition<&str, u64> = TableDefinition::new("dedupe");

/// (expiry ms, dedupe key), to purge expired keys in order.
pub(super) const DEDUPE_EXPIRY: TableDefinition<(u64, &str), ()> =
    TableDefinition::new("dedupe_expiry");

/// Counters: `next_id`, `schema_version`.
pub(super) const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

pub(super) const NEXT_ID: &str = "next_id";
pub(super) const VERSION: &str = "schema_version";

/// An owned copy of an [`EVENTS`] row.
#[derive(Debug, Clone)]
pub(super) struct EventRow {
    pub route: String,
    pub payload: Vec<u8>,
    pub received_ms: u64,
    pub failures: u32,
    pub due_ms: u64,
    pub dedupe_key: Option<String>,
    pub last_error: Option<String>,
}

impl EventRow {
    pub fn from_value(v: EventValue<'_>) -> Self {
        EventRow {
            route: v.0.to_owned(),
            payload: v.1.to_vec(),
            received_ms: v.2,
            failures: v.3,
            due_ms: v.4,
            dedupe_key: v.5.map(str::to_owned),
            last_error: v.6.map(str::to_owned),
        }
    }

    pub fn as_value(&self) -> EventValue<'_> {
        (
            &self.route,
            &self.payload,
            self.received_ms,
            self.failures,
            self.due_ms,
            self.dedupe_key.as_deref(),
            self.last_error.as_deref(),
        )
    }
}

/// Milliseconds since the Unix epoch; times before it count as 0.
pub(super) fn to_ms(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

pub(super) fn from_ms(ms: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(ms)
}
