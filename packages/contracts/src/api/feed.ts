// The subscribed feed's addresses and its version label, shared by the calendar service (which serves them) and
// the gateway (whose feed cache follows the version): one source for each.

/** `GET` the subscribed calendar feed (the calendar service's projection, through the gateway). */
export const FEED_PATH = "/api/v1/todos/calendar.ics";
/** The calendar service's internal Server-Sent Events stream of its feed version (not in the gateway's routes). */
export const FEED_VERSION_PATH = "/internal/feed/version";
/** The header with which the calendar service labels each feed answer with its version token. */
export const FEED_VERSION_HEADER = "x-feed-version";
